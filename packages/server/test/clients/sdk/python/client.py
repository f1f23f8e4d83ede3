#!/usr/bin/env python3
"""Conformance client: drives Pail with the official Python SDK V2 (`alibabacloud-oss-v2`).

Runs numbered steps against one bucket and prints one JSON line per step:
    {"step": "03-head-object", "ok": true, "detail": "..."}
The SDK keeps its defaults (V4 signing, upload and download CRC-64 checks on, encoding-type=url
on listings); only endpoint, region, credentials and the addressing style are set. Every
download is compared (sha256) with what was uploaded by this program itself.

Usage:
    client.py --endpoint http://127.0.0.1:PORT --region cn-hangzhou --bucket NAME \
              --access-key-id AK --access-key-secret SK [--style path|virtual] [--keep-going]
Credentials may also come from OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET.
Exit status: 0 when every step passed, 1 on the first failure (or, with --keep-going, after
running every step when any failed), 2 on bad usage.
"""
import argparse
import hashlib
import json
import os
import socket
import sys
import tempfile
import time
import traceback
import urllib.parse

import requests
import urllib3.util.connection as urllib3_connection

import alibabacloud_oss_v2 as oss
from alibabacloud_oss_v2 import crc as oss_crc

MIB = 1024 * 1024
LIST_PREFIX = 'list/'
# Keys that break when a server ignores encoding-type=url or decodes twice: %, +, space,
# multi-byte UTF-8, a literal escape sequence, and characters XML must escape.
SPECIAL_KEYS = [
    'percent%sign', 'percent%20literal', 'plus+sign', 'space in name', 'unicode-ü-日本語-😀',
    'amp&lt<gt>', 'quote"apos\'', 'tilde~star*', 'hash#question?', 'dir/nested key', 'dir/ü/x',
]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def crc64(data: bytes) -> str:
    c = oss_crc.Crc64(0)
    c.update(data)
    return str(c.sum64())


def payload(size: int, seed: int) -> bytes:
    """Deterministic, incompressible-looking bytes (not all zeros, so offsets matter)."""
    out = bytearray()
    block = hashlib.sha256(str(seed).encode()).digest()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block * 64
    return bytes(out[:size])


class StepFailed(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise StepFailed(msg)


def innermost(e: BaseException) -> BaseException:
    """OperationError, UploadError, DownloadError… wrap the error that happened; unwrap() gives it."""
    seen = 0
    while hasattr(e, 'unwrap') and seen < 10:
        inner = e.unwrap()
        if not isinstance(inner, BaseException) or inner is e:
            break
        e, seen = inner, seen + 1
    return e


def describe_error(e: BaseException) -> str:
    """The SDK's own view of a failure: code, message, request id (oss-api-notes.md §5.3)."""
    inner = innermost(e)
    if isinstance(inner, oss.exceptions.ServiceError):
        return (f'ServiceError status={inner.status_code} code={inner.code} message={inner.message!r} '
                f'request_id={inner.request_id} ec={inner.ec} target={inner.request_target}'
                + (f' (in {type(e).__name__})' if inner is not e and not isinstance(e, oss.exceptions.OperationError) else ''))
    if isinstance(e, StepFailed):
        return str(e)
    return ' '.join(f'{type(e).__name__}: {e}'.split())


def service_error(e: BaseException):
    inner = innermost(e)
    return inner if isinstance(inner, oss.exceptions.ServiceError) else None


def map_all_hosts_to_loopback():
    """`bucket.localhost` does not resolve through this machine's resolver; the server listens on
    loopback, so every connection goes to 127.0.0.1 while the SDK still sends the virtual-hosted
    Host header it chose itself."""
    original = urllib3_connection.create_connection

    def create_connection(address, *args, **kwargs):
        _host, port = address
        return original(('127.0.0.1', port), *args, **kwargs)

    urllib3_connection.create_connection = create_connection


class Runner:
    def __init__(self, args):
        self.args = args
        self.bucket = args.bucket
        self.failed = False
        self.tmp = tempfile.mkdtemp(prefix='pail-sdk-python-')
        cfg = oss.config.load_default()
        cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(
            args.access_key_id, args.access_key_secret)
        cfg.region = args.region
        cfg.endpoint = args.endpoint
        if args.style == 'path':
            cfg.use_path_style = True
        self.client = oss.Client(cfg)
        self.small = payload(100 * 1024 + 7, 1)
        self.big = payload(20 * MIB + 123, 2)
        self.n = 0

    # -- plumbing -----------------------------------------------------------------------------
    def step(self, name, fn):
        self.n += 1
        step = f'{self.n:02d}-{name}'
        t0 = time.monotonic()
        try:
            detail = fn() or ''
            ok = True
        except Exception as e:  # noqa: BLE001 - every failure is reported, never swallowed
            detail = describe_error(e)
            if not isinstance(e, (StepFailed, oss.exceptions.BaseError)):
                detail += ' | ' + traceback.format_exc().strip().splitlines()[-2].strip()
            ok = False
        ms = int((time.monotonic() - t0) * 1000)
        print(json.dumps({'step': step, 'ok': ok, 'detail': detail, 'ms': ms}, ensure_ascii=False), flush=True)
        if not ok:
            self.failed = True
            if not self.args.keep_going:
                sys.exit(1)

    def put(self, key, data, **kw):
        return self.client.put_object(oss.PutObjectRequest(bucket=self.bucket, key=key, body=data, **kw))

    def get_bytes(self, key, **kw):
        r = self.client.get_object(oss.GetObjectRequest(bucket=self.bucket, key=key, **kw))
        with r.body as body:
            return r, body.read()

    # -- steps ----------------------------------------------------------------------------------
    def put_bucket(self):
        r = self.client.put_bucket(oss.PutBucketRequest(bucket=self.bucket))
        check(r.status_code == 200, f'status {r.status_code}')
        return f'request_id={r.request_id}'

    def put_object(self):
        r = self.put('basic/small.bin', self.small, content_type='application/octet-stream',
                     metadata={'origin': 'sdk-python', 'note': 'hello'})
        md5 = hashlib.md5(self.small).hexdigest().upper()
        check(r.etag is not None and r.etag.strip('"').upper() == md5, f'etag {r.etag} != md5 {md5}')
        # The SDK already raised if x-oss-hash-crc64ecma disagreed; require the header too.
        check(r.hash_crc64 == crc64(self.small), f'x-oss-hash-crc64ecma {r.hash_crc64} != {crc64(self.small)}')
        return f'etag={r.etag} crc64={r.hash_crc64}'

    def head_object(self):
        r = self.client.head_object(oss.HeadObjectRequest(bucket=self.bucket, key='basic/small.bin'))
        check(r.content_length == len(self.small), f'content_length {r.content_length}')
        check(r.content_type == 'application/octet-stream', f'content_type {r.content_type}')
        check(r.etag.strip('"').upper() == hashlib.md5(self.small).hexdigest().upper(), f'etag {r.etag}')
        check(r.hash_crc64 == crc64(self.small), f'hash_crc64 {r.hash_crc64}')
        check((r.metadata or {}).get('origin') == 'sdk-python', f'metadata {r.metadata}')
        check(r.object_type == 'Normal', f'object_type {r.object_type}')
        check(r.last_modified is not None, 'no Last-Modified')
        return f'type={r.object_type} meta={r.metadata}'

    def get_object(self):
        r, data = self.get_bytes('basic/small.bin')
        check(sha256(data) == sha256(self.small), f'sha256 mismatch ({len(data)} bytes)')
        check(r.content_length == len(self.small), f'content_length {r.content_length}')
        check(r.hash_crc64 == crc64(self.small), f'hash_crc64 {r.hash_crc64}')
        return f'{len(data)} bytes, sha256 ok'

    def get_object_to_file(self):
        # get_object_to_file is where the Python SDK checks the download CRC-64.
        path = os.path.join(self.tmp, 'small.bin')
        self.client.get_object_to_file(oss.GetObjectRequest(bucket=self.bucket, key='basic/small.bin'), path)
        with open(path, 'rb') as f:
            check(sha256(f.read()) == sha256(self.small), 'sha256 mismatch')
        return 'crc64 checked by the SDK, sha256 ok'

    def get_object_range(self):
        r, data = self.get_bytes('basic/small.bin', range_header='bytes=100-1123')
        check(data == self.small[100:1124], f'range body mismatch ({len(data)} bytes)')
        check(r.content_range == f'bytes 100-1123/{len(self.small)}', f'content_range {r.content_range}')
        return r.content_range

    def put_list_objects(self):
        keys = [f'{LIST_PREFIX}{i:02d}-obj' for i in range(25 - len(SPECIAL_KEYS))]
        keys += [LIST_PREFIX + k for k in SPECIAL_KEYS]
        self.listed = keys
        for i, k in enumerate(keys):
            self.put(k, f'object {i}'.encode())
        return f'{len(keys)} objects'

    def list_objects_v2_paged(self):
        expected = sorted(self.listed, key=lambda k: k.encode('utf-8'))
        paginator = self.client.list_objects_v2_paginator()
        got, pages = [], 0
        for page in paginator.iter_page(oss.ListObjectsV2Request(bucket=self.bucket, prefix=LIST_PREFIX, max_keys=7)):
            pages += 1
            check(page.encoding_type == 'url', f'page {pages}: EncodingType {page.encoding_type!r} (SDK sent encoding-type=url)')
            check(page.key_count == len(page.contents or []), f'page {pages}: KeyCount {page.key_count} != {len(page.contents or [])}')
            for o in page.contents or []:
                got.append(o.key)
                check(o.size is not None and o.etag and o.last_modified, f'incomplete entry {o.key!r}')
            check(pages <= 10, 'too many pages')
        check(got == expected, f'keys differ: missing={sorted(set(expected) - set(got))} extra={sorted(set(got) - set(expected))} order_ok={sorted(got, key=lambda k: k.encode()) == got}')
        check(pages == 4, f'{pages} pages for 25 keys at max-keys=7')
        return f'{len(got)} keys in {pages} pages'

    def list_objects_v2_delimiter(self):
        r = self.client.list_objects_v2(oss.ListObjectsV2Request(bucket=self.bucket, prefix=LIST_PREFIX, delimiter='/'))
        prefixes = [p.prefix for p in r.common_prefixes or []]
        check(prefixes == [LIST_PREFIX + 'dir/'], f'common prefixes {prefixes}')
        check(all('/' not in o.key[len(LIST_PREFIX):] for o in r.contents or []), 'delimiter ignored')
        check(len(r.contents or []) == 25 - 2, f'{len(r.contents or [])} keys')
        return f'prefixes={prefixes}'

    def list_objects_v2_start_after(self):
        expected = sorted(self.listed, key=lambda k: k.encode('utf-8'))
        after = LIST_PREFIX + 'percent%sign'
        r = self.client.list_objects_v2(oss.ListObjectsV2Request(bucket=self.bucket, prefix=LIST_PREFIX, start_after=after, max_keys=100))
        got = [o.key for o in r.contents or []]
        want = [k for k in expected if k.encode() > after.encode()]
        check(got == want, f'got {got} want {want}')
        return f'{len(got)} keys after {after!r}'

    def presign_get(self):
        r = self.client.presign(oss.GetObjectRequest(bucket=self.bucket, key='basic/small.bin'))
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(r.url).query)
        check(q.get('x-oss-signature-version') == ['OSS4-HMAC-SHA256'], f'not a V4 URL: {r.url}')
        resp = requests.get(r.url, timeout=30)
        check(resp.status_code == 200, f'HTTP {resp.status_code}: {resp.text[:300]}')
        check(sha256(resp.content) == sha256(self.small), 'sha256 mismatch')
        return f'{r.method} {len(resp.content)} bytes via requests'

    def presign_get_special_key(self):
        key = LIST_PREFIX + 'unicode-ü-日本語-😀'
        r = self.client.presign(oss.GetObjectRequest(bucket=self.bucket, key=key))
        resp = requests.get(r.url, timeout=30)
        check(resp.status_code == 200, f'HTTP {resp.status_code}: {resp.text[:300]}')
        check(resp.content == f'object {self.listed.index(key)}'.encode(), f'body {resp.content[:60]!r}')
        return 'ok'

    def delete_object(self):
        self.client.delete_object(oss.DeleteObjectRequest(bucket=self.bucket, key=LIST_PREFIX + 'plus+sign'))
        try:
            self.client.head_object(oss.HeadObjectRequest(bucket=self.bucket, key=LIST_PREFIX + 'plus+sign'))
        except Exception as e:  # noqa: BLE001
            se = service_error(e)
            check(se is not None and se.status_code == 404, f'HEAD after delete: {describe_error(e)}')
            # A body-less HEAD error carries its XML base64-encoded in x-oss-err (oss-api-notes.md §5.3).
            check(se.code == 'NoSuchKey', f'HEAD after delete: code {se.code!r} (expected NoSuchKey from x-oss-err)')
            self.listed.remove(LIST_PREFIX + 'plus+sign')
            return f'404 {se.code} request_id={se.request_id}'
        raise StepFailed('object still there after DeleteObject')

    def is_object_exist(self):
        check(self.client.is_object_exist(self.bucket, 'basic/small.bin') is True, 'existing object reported missing')
        check(self.client.is_object_exist(self.bucket, LIST_PREFIX + 'plus+sign') is False, 'deleted object reported present')
        return 'GetObjectMeta true/false'

    def get_missing(self):
        try:
            self.get_bytes('no/such/key')
        except Exception as e:  # noqa: BLE001
            se = service_error(e)
            check(se is not None and se.status_code == 404 and se.code == 'NoSuchKey', describe_error(e))
            check(bool(se.request_id), 'no RequestId in the error')
            return f'{se.code} request_id={se.request_id}'
        raise StepFailed('GET of a missing key succeeded')

    def multipart_upload(self):
        key = 'multipart/low-level.bin'
        init = self.client.initiate_multipart_upload(oss.InitiateMultipartUploadRequest(bucket=self.bucket, key=key))
        check(bool(init.upload_id), 'no UploadId')
        sizes = [8 * MIB, 8 * MIB, len(self.big) - 16 * MIB]
        parts, off = [], 0
        for n, size in enumerate(sizes, start=1):
            chunk = self.big[off:off + size]
            off += size
            r = self.client.upload_part(oss.UploadPartRequest(bucket=self.bucket, key=key, upload_id=init.upload_id, part_number=n, body=chunk))
            check(r.etag.strip('"').upper() == hashlib.md5(chunk).hexdigest().upper(), f'part {n} etag {r.etag}')
            check(r.hash_crc64 == crc64(chunk), f'part {n} hash_crc64 {r.hash_crc64}')
            parts.append(oss.UploadPart(part_number=n, etag=r.etag))
        lp = self.client.list_parts(oss.ListPartsRequest(bucket=self.bucket, key=key, upload_id=init.upload_id))
        check([p.part_number for p in lp.parts or []] == [1, 2, 3], f'ListParts numbers {[p.part_number for p in lp.parts or []]}')
        check([p.size for p in lp.parts or []] == sizes, f'ListParts sizes {[p.size for p in lp.parts or []]}')
        cm = self.client.complete_multipart_upload(oss.CompleteMultipartUploadRequest(
            bucket=self.bucket, key=key, upload_id=init.upload_id,
            complete_multipart_upload=oss.CompleteMultipartUpload(parts=parts)))
        check(cm.etag is not None and cm.etag.strip('"').endswith('-3'), f'complete etag {cm.etag}')
        check(cm.hash_crc64 in (None, crc64(self.big)), f'complete crc64 {cm.hash_crc64} != {crc64(self.big)}')
        h = self.client.head_object(oss.HeadObjectRequest(bucket=self.bucket, key=key))
        check(h.content_length == len(self.big), f'content_length {h.content_length}')
        check(h.object_type == 'Multipart', f'object_type {h.object_type}')
        check(h.hash_crc64 == crc64(self.big), f'hash_crc64 {h.hash_crc64} != {crc64(self.big)}')
        path = os.path.join(self.tmp, 'mp.bin')
        self.client.get_object_to_file(oss.GetObjectRequest(bucket=self.bucket, key=key), path)
        with open(path, 'rb') as f:
            check(sha256(f.read()) == sha256(self.big), 'download sha256 mismatch')
        return f'3 parts, etag={cm.etag}, {len(self.big)} bytes round-tripped'

    def uploader(self):
        key = 'multipart/uploader.bin'
        path = os.path.join(self.tmp, 'big-src.bin')
        with open(path, 'wb') as f:
            f.write(self.big)
        r = self.client.uploader().upload_file(oss.PutObjectRequest(bucket=self.bucket, key=key), path)
        check(r.upload_id, 'uploader did not use multipart for 20 MiB')
        check(r.hash_crc64 == crc64(self.big), f'hash_crc64 {r.hash_crc64}')
        return f'upload_id={r.upload_id} etag={r.etag}'

    def downloader(self):
        path = os.path.join(self.tmp, 'big-dl.bin')
        r = self.client.downloader().download_file(oss.GetObjectRequest(bucket=self.bucket, key='multipart/uploader.bin'), path)
        with open(path, 'rb') as f:
            check(sha256(f.read()) == sha256(self.big), 'sha256 mismatch')
        return f'{r.written} bytes in ranged parts, crc64 checked by the SDK'

    def abort_multipart(self):
        key = 'multipart/aborted.bin'
        init = self.client.initiate_multipart_upload(oss.InitiateMultipartUploadRequest(bucket=self.bucket, key=key))
        self.client.upload_part(oss.UploadPartRequest(bucket=self.bucket, key=key, upload_id=init.upload_id, part_number=1, body=self.small))
        lu = self.client.list_multipart_uploads(oss.ListMultipartUploadsRequest(bucket=self.bucket))
        check(init.upload_id in [u.upload_id for u in lu.uploads or []], 'upload not listed by ListMultipartUploads')
        self.client.abort_multipart_upload(oss.AbortMultipartUploadRequest(bucket=self.bucket, key=key, upload_id=init.upload_id))
        lu = self.client.list_multipart_uploads(oss.ListMultipartUploadsRequest(bucket=self.bucket))
        check(init.upload_id not in [u.upload_id for u in lu.uploads or []], 'aborted upload still listed')
        return 'listed, aborted, gone'

    def copy_object(self):
        dst = 'copy/dst ü+%.bin'
        r = self.client.copy_object(oss.CopyObjectRequest(bucket=self.bucket, key=dst, source_bucket=self.bucket, source_key='basic/small.bin'))
        check(r.etag is not None and r.etag.strip('"').upper() == hashlib.md5(self.small).hexdigest().upper(), f'etag {r.etag}')
        g, data = self.get_bytes(dst)
        check(sha256(data) == sha256(self.small), 'copy sha256 mismatch')
        check((g.metadata or {}).get('origin') == 'sdk-python', f'metadata not copied: {g.metadata}')
        r2 = self.client.copy_object(oss.CopyObjectRequest(bucket=self.bucket, key='copy/replaced.bin', source_bucket=self.bucket, source_key=dst,
                                                          metadata_directive='REPLACE', metadata={'origin': 'replaced'}, content_type='text/plain'))
        h = self.client.head_object(oss.HeadObjectRequest(bucket=self.bucket, key='copy/replaced.bin'))
        check(h.metadata == {'origin': 'replaced'}, f'REPLACE metadata {h.metadata}')
        check(h.content_type == 'text/plain', f'REPLACE content_type {h.content_type}')
        check(h.hash_crc64 == crc64(self.small), f'hash_crc64 {h.hash_crc64}')
        return f'etag={r.etag} replace etag={r2.etag}'

    def append_object(self):
        key = 'append/log.txt'
        a, b = b'first line\n' * 1000, 'second ü line\n'.encode() * 500
        r1 = self.client.append_object(oss.AppendObjectRequest(bucket=self.bucket, key=key, position=0, body=a))
        check(r1.next_position == len(a), f'next_position {r1.next_position}')
        check(r1.hash_crc64 == crc64(a), f'hash_crc64 {r1.hash_crc64} != {crc64(a)}')
        r2 = self.client.append_object(oss.AppendObjectRequest(bucket=self.bucket, key=key, position=r1.next_position, body=b))
        check(r2.next_position == len(a) + len(b), f'next_position {r2.next_position}')
        check(r2.hash_crc64 == crc64(a + b), f'hash_crc64 {r2.hash_crc64} != {crc64(a + b)}')
        # AppendOnlyFile resumes from HeadObject (next_append_position + crc) and checks the combined CRC.
        c = b'third\n' * 10
        with self.client.append_file(self.bucket, key) as f:
            f.write(c)
        _, data = self.get_bytes(key)
        check(data == a + b + c, 'appended content mismatch')
        try:
            self.client.append_object(oss.AppendObjectRequest(bucket=self.bucket, key=key, position=1, body=b'x'))
            raise StepFailed('append at a wrong position succeeded')
        except StepFailed:
            raise
        except Exception as e:  # noqa: BLE001
            se = service_error(e)
            check(se is not None and se.code == 'PositionNotEqualToLength', f'wrong position: {describe_error(e)}')
        # HeadObject of an Appendable object carries the next position (OSS EC 0026-00000017 shows
        # it); the SDK exposes it as next_append_position for resuming appends.
        h = self.client.head_object(oss.HeadObjectRequest(bucket=self.bucket, key=key))
        check(h.object_type == 'Appendable', f'HeadObject: x-oss-object-type {h.object_type}')
        check(h.next_append_position == len(data), f'HeadObject: x-oss-next-append-position {h.next_append_position}, expected {len(data)}')
        return f'{len(data)} bytes, wrong position -> {se.code}, next position {h.next_append_position}'

    def delete_multiple_objects(self):
        keys = []
        for page in self.client.list_objects_v2_paginator().iter_page(oss.ListObjectsV2Request(bucket=self.bucket)):
            keys += [o.key for o in page.contents or []]
        check(len(keys) > 0, 'nothing to delete')
        r = self.client.delete_multiple_objects(oss.DeleteMultipleObjectsRequest(
            bucket=self.bucket, objects=[oss.DeleteObject(key=k) for k in keys]))
        deleted = sorted(d.key for d in r.deleted_objects or [])
        check(deleted == sorted(keys), f'deleted {len(deleted)} of {len(keys)}: missing {sorted(set(keys) - set(deleted))[:5]}')
        left = self.client.list_objects_v2(oss.ListObjectsV2Request(bucket=self.bucket))
        check(not left.contents, f'{len(left.contents or [])} objects left')
        return f'{len(deleted)} deleted'

    def delete_bucket(self):
        self.client.delete_bucket(oss.DeleteBucketRequest(bucket=self.bucket))
        check(self.client.is_bucket_exist(self.bucket) is False, 'bucket still exists')
        return 'deleted'

    def run(self):
        self.step('put-bucket', self.put_bucket)
        self.step('put-object', self.put_object)
        self.step('head-object', self.head_object)
        self.step('get-object', self.get_object)
        self.step('get-object-to-file', self.get_object_to_file)
        self.step('get-object-range', self.get_object_range)
        self.step('get-missing-object', self.get_missing)
        self.step('put-25-list-objects', self.put_list_objects)
        self.step('list-objects-v2-paged-url-encoded', self.list_objects_v2_paged)
        self.step('list-objects-v2-delimiter', self.list_objects_v2_delimiter)
        self.step('list-objects-v2-start-after', self.list_objects_v2_start_after)
        self.step('presign-get-requests', self.presign_get)
        self.step('presign-get-unicode-key', self.presign_get_special_key)
        self.step('delete-object', self.delete_object)
        self.step('is-object-exist', self.is_object_exist)
        self.step('multipart-upload-20mib', self.multipart_upload)
        self.step('uploader-20mib', self.uploader)
        self.step('downloader-20mib', self.downloader)
        self.step('abort-multipart-upload', self.abort_multipart)
        self.step('copy-object', self.copy_object)
        self.step('append-object', self.append_object)
        self.step('delete-multiple-objects', self.delete_multiple_objects)
        self.step('delete-bucket', self.delete_bucket)
        return 1 if self.failed else 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--endpoint', required=True)
    p.add_argument('--region', default='cn-hangzhou')
    p.add_argument('--bucket', required=True)
    p.add_argument('--access-key-id', default=os.environ.get('OSS_ACCESS_KEY_ID'))
    p.add_argument('--access-key-secret', default=os.environ.get('OSS_ACCESS_KEY_SECRET'))
    p.add_argument('--style', choices=['path', 'virtual'], default='virtual')
    p.add_argument('--keep-going', action='store_true', help='run every step even after a failure')
    args = p.parse_args()
    if not args.access_key_id or not args.access_key_secret:
        p.error('credentials: --access-key-id/--access-key-secret or OSS_ACCESS_KEY_ID/OSS_ACCESS_KEY_SECRET')
    if args.style == 'virtual':
        map_all_hosts_to_loopback()
    socket.setdefaulttimeout(120)
    sys.exit(Runner(args).run())


if __name__ == '__main__':
    main()
