//! AWS CloudTrail S3 events, one `Records` element (written on its own line
//! inside a `{"Records":[...]}` file; see `out.rs`).

use super::json::{kv, s};
use crate::activity::Trail;
use crate::clock::{self, Micros};
use crate::world::AWS_ACCOUNT;
use std::fmt::Write;

pub fn element(b: &mut String, t: Micros, request_id: &str, event_id: &str, r: &Trail) {
    let _ = write!(
        b,
        "{{\"eventVersion\":\"1.10\",\"userIdentity\":{{\"type\":\"IAMUser\",\"principalId\":\"AIDAWA3XK7Q2{:0>8}\",\"arn\":\"arn:aws:iam::{AWS_ACCOUNT}:user/{}\",\"accountId\":\"{AWS_ACCOUNT}\",\"accessKeyId\":\"AKIAWA3XK7Q2{:0>8}\",\"userName\":\"{}\"}},\"eventTime\":\"",
        r.user.len() * 7919 % 100_000_000,
        r.user,
        r.user.len() * 104_729 % 100_000_000,
        r.user
    );
    clock::iso0(b, t, "Z");
    b.push('"');
    kv(b, "eventSource", "s3.amazonaws.com");
    kv(b, "eventName", r.event_name);
    kv(b, "awsRegion", "us-east-1");
    kv(b, "sourceIPAddress", &r.source_ip);
    kv(b, "userAgent", r.user_agent);
    b.push_str(",\"requestParameters\":{");
    match (&r.bucket, &r.key) {
        (Some(bucket), key) => {
            b.push_str("\"bucketName\":");
            s(b, bucket);
            let _ = write!(b, ",\"Host\":\"{bucket}.s3.us-east-1.amazonaws.com\"");
            if let Some(k) = key {
                kv(b, "key", k);
            }
        }
        (None, _) => b.push_str("\"Host\":\"s3.us-east-1.amazonaws.com\""),
    }
    b.push_str("},\"responseElements\":null");
    let data = r.bucket.is_some() && r.key.is_some();
    if data {
        let _ = write!(
            b,
            ",\"additionalEventData\":{{\"SignatureVersion\":\"SigV4\",\"CipherSuite\":\"TLS_AES_128_GCM_SHA256\",\"bytesTransferredIn\":{},\"AuthenticationMethod\":\"AuthHeader\",\"x-amz-id-2\":\"kN2m\",\"bytesTransferredOut\":{}}}",
            r.bytes_in, r.bytes_out
        );
    }
    let _ = write!(
        b,
        ",\"requestID\":\"{request_id}\",\"eventID\":\"{event_id}\",\"readOnly\":{},\"eventType\":\"AwsApiCall\",\"managementEvent\":{},\"recipientAccountId\":\"{AWS_ACCOUNT}\"",
        r.event_name.starts_with("Get") || r.event_name.starts_with("List"),
        !data
    );
    if let (true, Some(bucket), Some(key)) = (data, &r.bucket, &r.key) {
        b.push_str(",\"resources\":[{\"type\":\"AWS::S3::Object\",\"ARN\":");
        s(b, &format!("arn:aws:s3:::{bucket}/{key}"));
        let _ = write!(
            b,
            "}},{{\"accountId\":\"{}\",\"type\":\"AWS::S3::Bucket\",\"ARN\":\"arn:aws:s3:::{bucket}\"}}]",
            r.bucket_account
        );
    }
    let _ = write!(
        b,
        ",\"eventCategory\":\"{}\"}}",
        if data { "Data" } else { "Management" }
    );
}
