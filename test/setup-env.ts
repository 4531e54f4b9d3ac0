// Runs before every test file. The local node is 20 while Lambda runs nodejs22.x; the SDK's
// "node >= 22 after January 2027" notice is known and would otherwise repeat in every suite.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// Local stand-ins accept any credentials; never pick up a developer's real ones in tests.
process.env.AWS_ACCESS_KEY_ID = 'testing';
process.env.AWS_SECRET_ACCESS_KEY = 'testing';
delete process.env.AWS_SESSION_TOKEN;
delete process.env.AWS_PROFILE;
process.env.AWS_REGION = process.env.AWS_REGION ?? 'us-east-1';
