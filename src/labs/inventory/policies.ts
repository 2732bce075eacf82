// The inventory lab's policy documents: least privilege, each naming the exact ARNs it
// needs (the course grants AmazonS3ReadOnlyAccess, AmazonDynamoDBFullAccess and
// AmazonSNSFullAccess instead; `poc check` accepts those, with a warning).
import type { Arns } from '../../aws/arns.js';
import { allow, policy, type PolicyDocument } from '../../resources/policy-document.js';
import { bucketArn } from '../../resources/s3-bucket.js';
import type { InventoryNames } from './names.js';

export interface PolicyInputs {
  arns: Arns;
  names: InventoryNames;
  bucket: string;
}

/** Load-Inventory reads the uploaded files of this bucket only, and writes rows to this table only. */
export function loadInventoryPolicy({ arns, names, bucket }: PolicyInputs): PolicyDocument {
  return policy(
    allow(['s3:GetObject'], `${bucketArn({ arns }, bucket)}/*`),
    // Without s3:ListBucket, S3 answers 403 AccessDenied, not 404 NoSuchKey, for a key that
    // is not there (S3 API reference, GetObject, "Permissions"): a file deleted before the
    // function read it would look like a missing grant and be retried. With it, NoSuchKey
    // says the file is gone and the function reports it once, as final; a 403 then really is
    // a permission (or a grant IAM has not spread yet, which Lambda's retry outlasts).
    allow(['s3:ListBucket'], bucketArn({ arns }, bucket)),
    // BatchWriteItem is how the rows are written (25 a call); PutItem for one row.
    allow(['dynamodb:BatchWriteItem', 'dynamodb:PutItem'], arns.table(names.table)),
  );
}

/** Check-Stock's trigger reads this table's stream; the function publishes to NoStock only. */
export function checkStockPolicy({ arns, names }: PolicyInputs): PolicyDocument {
  return policy(
    // The stream's ARN ends in a label that changes whenever the stream is re-enabled,
    // so the policy names every stream of this one table.
    allow(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], arns.tableStreams(names.table)),
    // ListStreams acts on the account, not on a table or stream: AWS cannot scope it.
    allow(['dynamodb:ListStreams'], '*'),
    allow(['sns:Publish'], arns.topic(names.topic)),
  );
}

/** Inline on each function's role: it may write its own logs and nobody else's. */
export function ownLogsPolicy({ arns }: Pick<PolicyInputs, 'arns'>, logGroup: string): PolicyDocument {
  return policy(
    allow(['logs:CreateLogGroup'], arns.logGroup(logGroup)),
    allow(['logs:CreateLogStream', 'logs:PutLogEvents'], `${arns.logGroup(logGroup)}:*`),
  );
}
