// S3, with only the operations poc calls (why: aggregate.ts).
import type { S3 as Every } from '@aws-sdk/client-s3';
import { S3Client, CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, GetBucketNotificationConfigurationCommand, GetPublicAccessBlockCommand, HeadBucketCommand, ListObjectVersionsCommand, PutBucketNotificationConfigurationCommand, PutBucketTaggingCommand, PutObjectCommand, PutPublicAccessBlockCommand } from '@aws-sdk/client-s3';
import { aggregate, type Aggregated } from './aggregate.js';

const commands = { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, GetBucketNotificationConfigurationCommand, GetPublicAccessBlockCommand, HeadBucketCommand, ListObjectVersionsCommand, PutBucketNotificationConfigurationCommand, PutBucketTaggingCommand, PutObjectCommand, PutPublicAccessBlockCommand };
export const S3 = aggregate<S3>(S3Client, commands);
export type S3 = Aggregated<Every, S3Client, typeof commands>;
