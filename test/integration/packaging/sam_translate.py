"""Reads a CloudFormation/SAM YAML template (short tags included) and prints JSON on stdout:
{"original": <decoded template>, "translated": <after the SAM transform, offline>}.

Uses the preinstalled aws-sam-translator, the same library `sam deploy`'s server-side
AWS::Serverless-2016-10-31 transform is built from. Policies are written as explicit IAM roles,
so no managed-policy lookup (an AWS call) is needed: the loader answers with an empty map.
"""
import json
import os
import sys

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from cfnlint.decode import decode_str  # noqa: E402
from samtranslator.translator.transform import transform  # noqa: E402


class OfflinePolicyLoader:
    def load(self):
        return {}


def as_packaged(template):
    """What `sam package`/`sam deploy` do before the transform runs: local CodeUri folders
    become the S3 location of the uploaded zip (the build output of that function)."""
    def packaged(uri, name):
        if isinstance(uri, str) and not uri.startswith("s3://"):
            return "s3://sam-artifacts-bucket/%s.zip" % name
        return uri

    globals_fn = template.get("Globals", {}).get("Function", {})
    default_uri = globals_fn.pop("CodeUri", None)
    for name, res in template.get("Resources", {}).items():
        if res.get("Type") == "AWS::Serverless::Function":
            props = res.setdefault("Properties", {})
            props["CodeUri"] = packaged(props.get("CodeUri", default_uri), name)
    return template


def main(path):
    with open(path, encoding="utf-8") as fh:
        template, matches = decode_str(fh.read())
    if matches:
        sys.stderr.write("\n".join(str(m) for m in matches) + "\n")
        return 2
    original = json.loads(json.dumps(template))
    translated = transform(as_packaged(json.loads(json.dumps(template))), {}, OfflinePolicyLoader())
    json.dump({"original": original, "translated": translated}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
