// The inventory lab as the course has it, spelled out from the course's files and guide,
// not computed with poc's code: the tests that set up only part of the lab by hand use it.
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** The Inventory table as the guide makes it: Store and Item keys, a NEW_IMAGE stream. */
export const INVENTORY_TABLE: CreateTableCommandInput = {
  TableName: 'Inventory',
  AttributeDefinitions: [
    { AttributeName: 'Store', AttributeType: 'S' },
    { AttributeName: 'Item', AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: 'Store', KeyType: 'HASH' },
    { AttributeName: 'Item', KeyType: 'RANGE' },
  ],
  BillingMode: 'PAY_PER_REQUEST',
  StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
};

/** Every count of 0 in the course's six files, as Check-Stock words its alert. */
export const ZERO_COUNTS = [
  'Berlin is out of stock of Echo Plus',
  'Calcutta is out of stock of Echo (2nd Gen)',
  'Karachi is out of stock of Echo Plus',
  'Pusan is out of stock of Echo Show',
  'Shanghai is out of stock of Amazon Tap',
  'Springfield is out of stock of Echo Show',
];
