#include "sensorlake/net/aws_sigv4.h"

#include <gtest/gtest.h>

namespace sensorlake::net {
namespace {

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

// The worked example of AWS's "Signature Version 4 signing process" (IAM ListUsers).
TEST(AwsSigV4Test, MatchesTheDocumentedExample) {
  SigV4Request r{.method = "GET",
                 .url = "https://iam.amazonaws.com/?Version=2010-05-08&Action=ListUsers",
                 .headers = {"Content-Type: application/x-www-form-urlencoded; charset=utf-8"},
                 .region = "us-east-1",
                 .service = "iam",
                 .key = "AKIDEXAMPLE",
                 .secret = kSecret,
                 .amz_date = "20150830T123600Z"};
  std::vector<std::string> headers = SigV4Headers(r);
  ASSERT_EQ(headers.size(), 3u);
  EXPECT_EQ(headers[0], "Host: iam.amazonaws.com");
  EXPECT_EQ(headers[1], "X-Amz-Date: 20150830T123600Z");
  EXPECT_EQ(headers[2],
            "Authorization: AWS4-HMAC-SHA256 "
            "Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

// Anything signed changes the signature; a header outside the signed set does not.
TEST(AwsSigV4Test, SignsTheBodyTheSignedHeadersAndTheDate) {
  SigV4Request base{.method = "POST",
                    .url = "http://127.0.0.1:4566/",
                    .headers = {"Content-Type: text/plain", "Expect:"},
                    .body = "Action=Publish",
                    .region = "eu-west-1",
                    .service = "sns",
                    .key = "AKID",
                    .secret = kSecret,
                    .amz_date = "20261204T060000Z"};
  std::string signature = SigV4Headers(base)[2];
  EXPECT_NE(signature.find("SignedHeaders=content-type;host;x-amz-date,"), std::string::npos);
  EXPECT_EQ(SigV4Headers(base)[0], "Host: 127.0.0.1:4566");

  SigV4Request other = base;
  other.body = "Action=Publish2";
  EXPECT_NE(SigV4Headers(other)[2], signature);
  other = base;
  other.amz_date = "20261204T060001Z";
  EXPECT_NE(SigV4Headers(other)[2], signature);
  other = base;
  other.headers.push_back("X-Amz-Security-Token: t");
  EXPECT_NE(SigV4Headers(other)[2], signature);
  other = base;
  other.headers.push_back("If-None-Match: *");
  EXPECT_EQ(SigV4Headers(other)[2], signature);
}

// S3's unsigned payload: the declared hash is signed instead of the body's.
TEST(AwsSigV4Test, UsesTheDeclaredPayloadHash) {
  SigV4Request r{.method = "PUT",
                 .url = "http://127.0.0.1:7070/bucket/a%20b.json",
                 .headers = {"x-amz-content-sha256: UNSIGNED-PAYLOAD"},
                 .body = "one",
                 .region = "us-east-1",
                 .service = "s3",
                 .key = "AKID",
                 .secret = kSecret,
                 .amz_date = "20261204T060000Z"};
  std::string signature = SigV4Headers(r)[2];
  EXPECT_NE(signature.find("SignedHeaders=host;x-amz-content-sha256;x-amz-date,"),
            std::string::npos);
  r.body = "two";
  EXPECT_EQ(SigV4Headers(r)[2], signature);
}

}  // namespace
}  // namespace sensorlake::net
