"""The emulator's own boto3 clients are reused across deployments, never across AWS environments."""

from emulator.aws.clients import service_clients


def test_a_client_is_reused_only_under_the_same_credentials_and_endpoint(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    first = service_clients("eu-west-1")["sqs"]
    assert service_clients("eu-west-1")["sqs"] is first
    assert service_clients("us-east-1")["sqs"].meta.region_name == "us-east-1"

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "other-account-key")
    other = service_clients("eu-west-1")["sqs"]
    assert other is not first
    assert other._request_signer._credentials.access_key == "other-account-key"

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    assert service_clients("eu-west-1")["sqs"].meta.endpoint_url == "http://127.0.0.1:4566"
