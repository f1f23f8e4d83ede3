"""The Python column of the presigned-download matrix: the OSS guide's requests snippet (streamed,
iter_content(4096)), taking the URL and the output path as arguments, plus a resume mode
(Range: bytes=<size of the partial file>-).

    .tmp/venv/bin/python download.py <presigned-url> <file> [--resume]

HTTPS trust: REQUESTS_CA_BUNDLE (requests' normal mechanism).
"""
import os
import sys

import requests


def download_file(signed_url, file_path):
    response = requests.get(signed_url, stream=True)
    if response.status_code == 200:
        with open(file_path, "wb") as file:
            for chunk in response.iter_content(4096):
                file.write(chunk)
        print("Download completed!")
        return True
    # The guide only prints here; the exit status below lets scripts (and the matrix) see the failure.
    print(f"No file downloaded. Status code: {response.status_code}", file=sys.stderr)
    print(response.text, file=sys.stderr)
    return False


def resume_download(signed_url, file_path):
    """Continues a partial download. Range is not part of a presigned URL's signature."""
    if not os.path.exists(file_path):
        return download_file(signed_url, file_path)
    have = os.path.getsize(file_path)
    response = requests.get(signed_url, headers={"Range": f"bytes={have}-"}, stream=True)
    if response.status_code == 416:
        print("Already complete")
        return True
    if response.status_code not in (200, 206):
        print(f"No file downloaded. Status code: {response.status_code}", file=sys.stderr)
        print(response.text, file=sys.stderr)
        return False
    with open(file_path, "ab" if response.status_code == 206 else "wb") as file:
        for chunk in response.iter_content(4096):
            file.write(chunk)
    print("Download completed!")
    return True


if __name__ == "__main__":
    args = sys.argv[1:]
    resume = len(args) == 3 and args[2] == "--resume"
    if len(args) != 2 and not resume:
        print("usage: download.py <presigned-url> <file> [--resume]", file=sys.stderr)
        sys.exit(2)
    ok = resume_download(args[0], args[1]) if resume else download_file(args[0], args[1])
    sys.exit(0 if ok else 1)
