// Conformance client: drives Pail with the official Go SDK V2
// (github.com/aliyun/alibabacloud-oss-go-sdk-v2).
//
// Runs numbered steps against one bucket and prints one JSON line per step:
//
//	{"step":"03-head-object","ok":true,"detail":"..."}
//
// The SDK keeps its defaults (V4 signing, upload and download CRC-64 checks on, encoding-type=url
// on listings, its own retryer and transport); only endpoint, region, credentials and the
// addressing style are chosen here. Every download is compared (sha256) with what this program
// uploaded.
//
//	sdk-go-client -endpoint http://127.0.0.1:PORT -region cn-hangzhou -bucket NAME \
//	  -access-key-id AK -access-key-secret SK [-style path|virtual] [-keep-going]
//
// Credentials may also come from OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET. Exit status: 0 when
// every step passed, 1 on the first failure (with -keep-going: after all steps), 2 on bad usage.
package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/transport"
)

const mib = 1024 * 1024
const listPrefix = "list/"

// Keys that break when a server ignores encoding-type=url or decodes twice: %, +, space,
// multi-byte UTF-8, a literal escape sequence, and characters XML must escape.
var specialKeys = []string{
	"percent%sign", "percent%20literal", "plus+sign", "space in name", "unicode-ü-日本語-😀",
	"amp&lt<gt>", "quote\"apos'", "tilde~star*", "hash#question?", "dir/nested key", "dir/ü/x",
}

type stepFailed struct{ msg string }

func (e *stepFailed) Error() string { return e.msg }

func failf(format string, a ...any) error { return &stepFailed{fmt.Sprintf(format, a...)} }

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func md5hex(b []byte) string { s := md5.Sum(b); return strings.ToUpper(hex.EncodeToString(s[:])) }

func crc64(b []byte) string {
	h := oss.NewCRC64(0)
	h.Write(b)
	return strconv.FormatUint(h.Sum64(), 10)
}

func etagIs(etag *string, hexMD5 string) bool {
	return etag != nil && strings.ToUpper(strings.Trim(*etag, "\"")) == hexMD5
}

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// payload returns deterministic bytes that are not all alike, so misplaced offsets show.
func payload(size int, seed int) []byte {
	out := make([]byte, 0, size+32*64)
	block := sha256.Sum256([]byte(strconv.Itoa(seed)))
	for len(out) < size {
		block = sha256.Sum256(block[:])
		for i := 0; i < 64; i++ {
			out = append(out, block[:]...)
		}
	}
	return out[:size]
}

// describe reports a failure as the SDK saw it: code, message, request id (oss-api-notes.md §5.3).
func describe(err error) string {
	var se *oss.ServiceError
	if errors.As(err, &se) {
		return fmt.Sprintf("ServiceError status=%d code=%s message=%q request_id=%s ec=%s target=%s",
			se.StatusCode, se.Code, se.Message, se.RequestID, se.EC, se.RequestTarget)
	}
	return err.Error()
}

func serviceError(err error) *oss.ServiceError {
	var se *oss.ServiceError
	if errors.As(err, &se) {
		return se
	}
	return nil
}

type runner struct {
	ctx       context.Context
	client    *oss.Client
	http      *http.Client
	bucket    string
	keepGoing bool
	failed    bool
	n         int
	tmp       string
	small     []byte
	big       []byte
	listed    []string
}

func (r *runner) step(name string, fn func() (string, error)) {
	r.n++
	id := fmt.Sprintf("%02d-%s", r.n, name)
	t0 := time.Now()
	detail, err := func() (d string, err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic: %v", p)
			}
		}()
		return fn()
	}()
	ok := err == nil
	if err != nil {
		detail = describe(err)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false) // keys like `amp&lt<gt>` stay readable
	_ = enc.Encode(struct {
		Step   string `json:"step"`
		OK     bool   `json:"ok"`
		Detail string `json:"detail"`
		MS     int64  `json:"ms"`
	}{id, ok, detail, time.Since(t0).Milliseconds()})
	if !ok {
		r.failed = true
		if !r.keepGoing {
			os.Exit(1)
		}
	}
}

func (r *runner) put(key string, data []byte, mod func(*oss.PutObjectRequest)) (*oss.PutObjectResult, error) {
	req := &oss.PutObjectRequest{Bucket: oss.Ptr(r.bucket), Key: oss.Ptr(key), Body: bytes.NewReader(data)}
	if mod != nil {
		mod(req)
	}
	return r.client.PutObject(r.ctx, req)
}

func (r *runner) getBytes(key string, mod func(*oss.GetObjectRequest)) (*oss.GetObjectResult, []byte, error) {
	req := &oss.GetObjectRequest{Bucket: oss.Ptr(r.bucket), Key: oss.Ptr(key)}
	if mod != nil {
		mod(req)
	}
	res, err := r.client.GetObject(r.ctx, req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	return res, data, err
}

func (r *runner) head(key string) (*oss.HeadObjectResult, error) {
	return r.client.HeadObject(r.ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(r.bucket), Key: oss.Ptr(key)})
}

func (r *runner) putBucket() (string, error) {
	res, err := r.client.PutBucket(r.ctx, &oss.PutBucketRequest{Bucket: oss.Ptr(r.bucket)})
	if err != nil {
		return "", err
	}
	return "request_id=" + res.Headers.Get("x-oss-request-id"), nil
}

func (r *runner) putObject() (string, error) {
	res, err := r.put("basic/small.bin", r.small, func(q *oss.PutObjectRequest) {
		q.ContentType = oss.Ptr("application/octet-stream")
		q.Metadata = map[string]string{"origin": "sdk-go", "note": "hello"}
	})
	if err != nil {
		return "", err
	}
	if !etagIs(res.ETag, md5hex(r.small)) {
		return "", failf("etag %s != md5 %s", str(res.ETag), md5hex(r.small))
	}
	// The SDK already failed if x-oss-hash-crc64ecma disagreed; require the header as well.
	if str(res.HashCRC64) != crc64(r.small) {
		return "", failf("x-oss-hash-crc64ecma %s != %s", str(res.HashCRC64), crc64(r.small))
	}
	return fmt.Sprintf("etag=%s crc64=%s", str(res.ETag), str(res.HashCRC64)), nil
}

func (r *runner) headObject() (string, error) {
	h, err := r.head("basic/small.bin")
	if err != nil {
		return "", err
	}
	switch {
	case h.ContentLength != int64(len(r.small)):
		return "", failf("content length %d", h.ContentLength)
	case str(h.ContentType) != "application/octet-stream":
		return "", failf("content type %s", str(h.ContentType))
	case !etagIs(h.ETag, md5hex(r.small)):
		return "", failf("etag %s", str(h.ETag))
	case str(h.HashCRC64) != crc64(r.small):
		return "", failf("hash crc64 %s", str(h.HashCRC64))
	case h.Metadata["Origin"] != "sdk-go" && h.Metadata["origin"] != "sdk-go":
		return "", failf("metadata %v", h.Metadata)
	case str(h.ObjectType) != "Normal":
		return "", failf("object type %s", str(h.ObjectType))
	case h.LastModified == nil:
		return "", failf("no Last-Modified")
	}
	return fmt.Sprintf("type=%s meta=%v", str(h.ObjectType), h.Metadata), nil
}

func (r *runner) getObject() (string, error) {
	res, data, err := r.getBytes("basic/small.bin", nil)
	if err != nil {
		return "", err
	}
	if sha(data) != sha(r.small) {
		return "", failf("sha256 mismatch (%d bytes)", len(data))
	}
	if res.ContentLength != int64(len(r.small)) || str(res.HashCRC64) != crc64(r.small) {
		return "", failf("content length %d crc64 %s", res.ContentLength, str(res.HashCRC64))
	}
	return fmt.Sprintf("%d bytes, sha256 ok", len(data)), nil
}

func (r *runner) getObjectToFile() (string, error) {
	// GetObjectToFile is where the Go SDK checks the download CRC-64 of a whole object.
	path := filepath.Join(r.tmp, "small.bin")
	if _, err := r.client.GetObjectToFile(r.ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(r.bucket), Key: oss.Ptr("basic/small.bin")}, path); err != nil {
		return "", err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	if sha(data) != sha(r.small) {
		return "", failf("sha256 mismatch")
	}
	return "crc64 checked by the SDK, sha256 ok", nil
}

func (r *runner) getObjectRange() (string, error) {
	res, data, err := r.getBytes("basic/small.bin", func(q *oss.GetObjectRequest) { q.Range = oss.Ptr("bytes=100-1123") })
	if err != nil {
		return "", err
	}
	if !bytes.Equal(data, r.small[100:1124]) {
		return "", failf("range body mismatch (%d bytes)", len(data))
	}
	want := fmt.Sprintf("bytes 100-1123/%d", len(r.small))
	if str(res.ContentRange) != want {
		return "", failf("content range %s", str(res.ContentRange))
	}
	return want, nil
}

func (r *runner) getMissing() (string, error) {
	_, _, err := r.getBytes("no/such/key", nil)
	if err == nil {
		return "", failf("GET of a missing key succeeded")
	}
	se := serviceError(err)
	if se == nil || se.StatusCode != 404 || se.Code != "NoSuchKey" || se.RequestID == "" {
		return "", failf("missing key: %s", describe(err))
	}
	return fmt.Sprintf("%s request_id=%s", se.Code, se.RequestID), nil
}

func (r *runner) putListObjects() (string, error) {
	var keys []string
	for i := 0; i < 25-len(specialKeys); i++ {
		keys = append(keys, fmt.Sprintf("%s%02d-obj", listPrefix, i))
	}
	for _, k := range specialKeys {
		keys = append(keys, listPrefix+k)
	}
	r.listed = keys
	for i, k := range keys {
		if _, err := r.put(k, []byte(fmt.Sprintf("object %d", i)), nil); err != nil {
			return "", fmt.Errorf("put %q: %w", k, err)
		}
	}
	return fmt.Sprintf("%d objects", len(keys)), nil
}

func sortedUTF8(keys []string) []string {
	out := append([]string(nil), keys...)
	sort.Strings(out) // Go compares strings bytewise, i.e. by UTF-8 bytes
	return out
}

func (r *runner) listPaged() (string, error) {
	want := sortedUTF8(r.listed)
	p := r.client.NewListObjectsV2Paginator(&oss.ListObjectsV2Request{Bucket: oss.Ptr(r.bucket), Prefix: oss.Ptr(listPrefix), MaxKeys: 7})
	var got []string
	pages := 0
	for p.HasNext() {
		page, err := p.NextPage(r.ctx)
		if err != nil {
			return "", err
		}
		pages++
		if str(page.EncodingType) != "url" {
			return "", failf("page %d: EncodingType %s (the SDK sent encoding-type=url)", pages, str(page.EncodingType))
		}
		if page.KeyCount != len(page.Contents) {
			return "", failf("page %d: KeyCount %d != %d", pages, page.KeyCount, len(page.Contents))
		}
		for _, o := range page.Contents {
			got = append(got, str(o.Key))
			if o.ETag == nil || o.LastModified == nil {
				return "", failf("incomplete entry %q", str(o.Key))
			}
		}
		if pages > 10 {
			return "", failf("too many pages")
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		return "", failf("keys differ:\n got %q\nwant %q", got, want)
	}
	if pages != 4 {
		return "", failf("%d pages for 25 keys at max-keys=7", pages)
	}
	return fmt.Sprintf("%d keys in %d pages", len(got), pages), nil
}

func (r *runner) listDelimiter() (string, error) {
	res, err := r.client.ListObjectsV2(r.ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(r.bucket), Prefix: oss.Ptr(listPrefix), Delimiter: oss.Ptr("/")})
	if err != nil {
		return "", err
	}
	var prefixes []string
	for _, cp := range res.CommonPrefixes {
		prefixes = append(prefixes, str(cp.Prefix))
	}
	if len(prefixes) != 1 || prefixes[0] != listPrefix+"dir/" {
		return "", failf("common prefixes %q", prefixes)
	}
	if len(res.Contents) != 23 {
		return "", failf("%d keys", len(res.Contents))
	}
	return fmt.Sprintf("prefixes=%q", prefixes), nil
}

func (r *runner) listStartAfter() (string, error) {
	after := listPrefix + "percent%sign"
	res, err := r.client.ListObjectsV2(r.ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(r.bucket), Prefix: oss.Ptr(listPrefix), StartAfter: oss.Ptr(after), MaxKeys: 100})
	if err != nil {
		return "", err
	}
	var want, got []string
	for _, k := range sortedUTF8(r.listed) {
		if k > after {
			want = append(want, k)
		}
	}
	for _, o := range res.Contents {
		got = append(got, str(o.Key))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		return "", failf("got %q want %q", got, want)
	}
	return fmt.Sprintf("%d keys after %q", len(got), after), nil
}

func (r *runner) presignGet(key string, want []byte) (string, error) {
	res, err := r.client.Presign(r.ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(r.bucket), Key: oss.Ptr(key)})
	if err != nil {
		return "", err
	}
	u, err := url.Parse(res.URL)
	if err != nil {
		return "", err
	}
	if u.Query().Get("x-oss-signature-version") != "OSS4-HMAC-SHA256" {
		return "", failf("not a V4 URL: %s", res.URL)
	}
	resp, err := r.http.Get(res.URL)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != 200 {
		return "", failf("HTTP %d: %.300s", resp.StatusCode, body)
	}
	if sha(body) != sha(want) {
		return "", failf("sha256 mismatch")
	}
	return fmt.Sprintf("%s %d bytes via net/http (host %s)", res.Method, len(body), u.Host), nil
}

func (r *runner) deleteObject() (string, error) {
	key := listPrefix + "plus+sign"
	if _, err := r.client.DeleteObject(r.ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(r.bucket), Key: oss.Ptr(key)}); err != nil {
		return "", err
	}
	_, err := r.head(key)
	if err == nil {
		return "", failf("object still there after DeleteObject")
	}
	se := serviceError(err)
	if se == nil || se.StatusCode != 404 {
		return "", failf("HEAD after delete: %s", describe(err))
	}
	// A body-less HEAD error carries its XML base64-encoded in x-oss-err (oss-api-notes.md §5.3).
	if se.Code != "NoSuchKey" {
		return "", failf("HEAD after delete: code %q (expected NoSuchKey from x-oss-err)", se.Code)
	}
	for i, k := range r.listed {
		if k == key {
			r.listed = append(r.listed[:i], r.listed[i+1:]...)
			break
		}
	}
	return fmt.Sprintf("404 %s request_id=%s", se.Code, se.RequestID), nil
}

func (r *runner) isObjectExist() (string, error) {
	ok, err := r.client.IsObjectExist(r.ctx, r.bucket, "basic/small.bin")
	if err != nil || !ok {
		return "", failf("existing object: %v %v", ok, err)
	}
	ok, err = r.client.IsObjectExist(r.ctx, r.bucket, listPrefix+"plus+sign")
	if err != nil || ok {
		return "", failf("deleted object: %v %v", ok, err)
	}
	return "GetObjectMeta true/false", nil
}

func (r *runner) multipart() (string, error) {
	key := "multipart/low-level.bin"
	init, err := r.client.InitiateMultipartUpload(r.ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(r.bucket), Key: oss.Ptr(key)})
	if err != nil {
		return "", err
	}
	sizes := []int{8 * mib, 8 * mib, len(r.big) - 16*mib}
	var parts []oss.UploadPart
	off := 0
	for i, size := range sizes {
		chunk := r.big[off : off+size]
		off += size
		res, err := r.client.UploadPart(r.ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(r.bucket), Key: oss.Ptr(key), UploadId: init.UploadId,
			PartNumber: int32(i + 1), Body: bytes.NewReader(chunk)})
		if err != nil {
			return "", fmt.Errorf("part %d: %w", i+1, err)
		}
		if !etagIs(res.ETag, md5hex(chunk)) || str(res.HashCRC64) != crc64(chunk) {
			return "", failf("part %d etag %s crc64 %s", i+1, str(res.ETag), str(res.HashCRC64))
		}
		parts = append(parts, oss.UploadPart{PartNumber: int32(i + 1), ETag: res.ETag})
	}
	lp, err := r.client.ListParts(r.ctx, &oss.ListPartsRequest{Bucket: oss.Ptr(r.bucket), Key: oss.Ptr(key), UploadId: init.UploadId})
	if err != nil {
		return "", err
	}
	if len(lp.Parts) != 3 || lp.Parts[0].PartNumber != 1 || lp.Parts[2].Size != int64(sizes[2]) {
		return "", failf("ListParts %+v", lp.Parts)
	}
	cm, err := r.client.CompleteMultipartUpload(r.ctx, &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(r.bucket), Key: oss.Ptr(key), UploadId: init.UploadId,
		CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: parts}})
	if err != nil {
		return "", err
	}
	if !strings.HasSuffix(strings.Trim(str(cm.ETag), "\""), "-3") {
		return "", failf("complete etag %s", str(cm.ETag))
	}
	if cm.HashCRC64 != nil && *cm.HashCRC64 != crc64(r.big) {
		return "", failf("complete crc64 %s != %s", *cm.HashCRC64, crc64(r.big))
	}
	h, err := r.head(key)
	if err != nil {
		return "", err
	}
	if h.ContentLength != int64(len(r.big)) || str(h.ObjectType) != "Multipart" || str(h.HashCRC64) != crc64(r.big) {
		return "", failf("head: length %d type %s crc64 %s (want %s)", h.ContentLength, str(h.ObjectType), str(h.HashCRC64), crc64(r.big))
	}
	path := filepath.Join(r.tmp, "mp.bin")
	if _, err := r.client.GetObjectToFile(r.ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(r.bucket), Key: oss.Ptr(key)}, path); err != nil {
		return "", err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	if sha(data) != sha(r.big) {
		return "", failf("download sha256 mismatch")
	}
	return fmt.Sprintf("3 parts, etag=%s, %d bytes round-tripped", str(cm.ETag), len(data)), nil
}

func (r *runner) uploader() (string, error) {
	// The uploader compares the CRC-64 it combined from the parts with the one CompleteMultipartUpload returns.
	res, err := r.client.NewUploader().UploadFrom(r.ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(r.bucket), Key: oss.Ptr("multipart/uploader.bin")},
		bytes.NewReader(r.big))
	if err != nil {
		return "", err
	}
	if res.UploadId == nil {
		return "", failf("uploader did not use multipart for 20 MiB")
	}
	if str(res.HashCRC64) != crc64(r.big) {
		return "", failf("hash crc64 %s", str(res.HashCRC64))
	}
	return fmt.Sprintf("upload_id=%s etag=%s", str(res.UploadId), str(res.ETag)), nil
}

func (r *runner) downloader() (string, error) {
	path := filepath.Join(r.tmp, "big-dl.bin")
	res, err := r.client.NewDownloader().DownloadFile(r.ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(r.bucket), Key: oss.Ptr("multipart/uploader.bin")}, path)
	if err != nil {
		return "", err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	if sha(data) != sha(r.big) {
		return "", failf("sha256 mismatch")
	}
	return fmt.Sprintf("%d bytes in ranged parts, crc64 checked by the SDK", res.Written), nil
}

func (r *runner) abortMultipart() (string, error) {
	key := "multipart/aborted.bin"
	init, err := r.client.InitiateMultipartUpload(r.ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(r.bucket), Key: oss.Ptr(key)})
	if err != nil {
		return "", err
	}
	if _, err := r.client.UploadPart(r.ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(r.bucket), Key: oss.Ptr(key), UploadId: init.UploadId, PartNumber: 1, Body: bytes.NewReader(r.small)}); err != nil {
		return "", err
	}
	listed := func() (bool, error) {
		lu, err := r.client.ListMultipartUploads(r.ctx, &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(r.bucket)})
		if err != nil {
			return false, err
		}
		for _, u := range lu.Uploads {
			if str(u.UploadId) == str(init.UploadId) {
				return true, nil
			}
		}
		return false, nil
	}
	if ok, err := listed(); err != nil || !ok {
		return "", failf("upload not listed by ListMultipartUploads (%v)", err)
	}
	if _, err := r.client.AbortMultipartUpload(r.ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(r.bucket), Key: oss.Ptr(key), UploadId: init.UploadId}); err != nil {
		return "", err
	}
	if ok, err := listed(); err != nil || ok {
		return "", failf("aborted upload still listed (%v)", err)
	}
	return "listed, aborted, gone", nil
}

func (r *runner) copyObject() (string, error) {
	dst := "copy/dst ü+%.bin"
	res, err := r.client.CopyObject(r.ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(r.bucket), Key: oss.Ptr(dst), SourceKey: oss.Ptr("basic/small.bin")})
	if err != nil {
		return "", err
	}
	if !etagIs(res.ETag, md5hex(r.small)) {
		return "", failf("etag %s", str(res.ETag))
	}
	g, data, err := r.getBytes(dst, nil)
	if err != nil {
		return "", err
	}
	if sha(data) != sha(r.small) {
		return "", failf("copy sha256 mismatch")
	}
	if g.Metadata["Origin"] != "sdk-go" && g.Metadata["origin"] != "sdk-go" {
		return "", failf("metadata not copied: %v", g.Metadata)
	}
	if _, err := r.client.CopyObject(r.ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(r.bucket), Key: oss.Ptr("copy/replaced.bin"), SourceBucket: oss.Ptr(r.bucket),
		SourceKey: oss.Ptr(dst), MetadataDirective: oss.Ptr("REPLACE"), Metadata: map[string]string{"origin": "replaced"}, ContentType: oss.Ptr("text/plain")}); err != nil {
		return "", err
	}
	h, err := r.head("copy/replaced.bin")
	if err != nil {
		return "", err
	}
	if len(h.Metadata) != 1 || (h.Metadata["Origin"] != "replaced" && h.Metadata["origin"] != "replaced") || str(h.ContentType) != "text/plain" || str(h.HashCRC64) != crc64(r.small) {
		return "", failf("REPLACE: metadata %v content type %s crc64 %s", h.Metadata, str(h.ContentType), str(h.HashCRC64))
	}
	return "etag=" + str(res.ETag), nil
}

func (r *runner) appendObject() (string, error) {
	key := "append/log.txt"
	a := bytes.Repeat([]byte("first line\n"), 1000)
	b := bytes.Repeat([]byte("second ü line\n"), 500)
	// InitHashCRC64 switches on the SDK's CRC-64 check of the appended object.
	r1, err := r.client.AppendObject(r.ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(r.bucket), Key: oss.Ptr(key), Position: oss.Ptr(int64(0)),
		Body: bytes.NewReader(a), InitHashCRC64: oss.Ptr("0")})
	if err != nil {
		return "", err
	}
	if r1.NextPosition != int64(len(a)) || str(r1.HashCRC64) != crc64(a) {
		return "", failf("first append: next %d crc64 %s", r1.NextPosition, str(r1.HashCRC64))
	}
	r2, err := r.client.AppendObject(r.ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(r.bucket), Key: oss.Ptr(key), Position: oss.Ptr(r1.NextPosition),
		Body: bytes.NewReader(b), InitHashCRC64: r1.HashCRC64})
	if err != nil {
		return "", err
	}
	ab := append(append([]byte(nil), a...), b...)
	if r2.NextPosition != int64(len(ab)) || str(r2.HashCRC64) != crc64(ab) {
		return "", failf("second append: next %d crc64 %s", r2.NextPosition, str(r2.HashCRC64))
	}
	// AppendOnlyFile resumes from HeadObject (next position + crc) and checks the combined CRC.
	f, err := r.client.AppendFile(r.ctx, r.bucket, key)
	if err != nil {
		return "", err
	}
	c := bytes.Repeat([]byte("third\n"), 10)
	if _, err := f.Write(c); err != nil {
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	all := append(ab, c...)
	_, data, err := r.getBytes(key, nil)
	if err != nil {
		return "", err
	}
	if !bytes.Equal(data, all) {
		return "", failf("appended content mismatch")
	}
	_, err = r.client.AppendObject(r.ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(r.bucket), Key: oss.Ptr(key), Position: oss.Ptr(int64(1)), Body: strings.NewReader("x")})
	if se := serviceError(err); se == nil || se.Code != "PositionNotEqualToLength" {
		return "", failf("append at a wrong position: %v", err)
	}
	// HeadObject of an Appendable object carries the next position (OSS EC 0026-00000017 shows
	// it); the SDK exposes it as NextAppendPosition for resuming appends.
	h, err := r.head(key)
	if err != nil {
		return "", err
	}
	if str(h.ObjectType) != "Appendable" || str(h.NextAppendPosition) != strconv.Itoa(len(all)) {
		return "", failf("HeadObject: x-oss-object-type %s, x-oss-next-append-position %s (expected %d)", str(h.ObjectType), str(h.NextAppendPosition), len(all))
	}
	return fmt.Sprintf("%d bytes, wrong position -> PositionNotEqualToLength, next position %s", len(data), str(h.NextAppendPosition)), nil
}

func (r *runner) allKeys() ([]string, error) {
	var keys []string
	p := r.client.NewListObjectsV2Paginator(&oss.ListObjectsV2Request{Bucket: oss.Ptr(r.bucket)})
	for p.HasNext() {
		page, err := p.NextPage(r.ctx)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Contents {
			keys = append(keys, str(o.Key))
		}
	}
	return keys, nil
}

func (r *runner) deleteMultiple() (string, error) {
	keys, err := r.allKeys()
	if err != nil {
		return "", err
	}
	if len(keys) == 0 {
		return "", failf("nothing to delete")
	}
	var objs []oss.DeleteObject
	for _, k := range keys {
		objs = append(objs, oss.DeleteObject{Key: oss.Ptr(k)})
	}
	res, err := r.client.DeleteMultipleObjects(r.ctx, &oss.DeleteMultipleObjectsRequest{Bucket: oss.Ptr(r.bucket), Objects: objs})
	if err != nil {
		return "", err
	}
	var deleted []string
	for _, d := range res.DeletedObjects {
		deleted = append(deleted, str(d.Key))
	}
	if strings.Join(sortedUTF8(deleted), "\n") != strings.Join(sortedUTF8(keys), "\n") {
		return "", failf("deleted %q of %q", deleted, keys)
	}
	left, err := r.allKeys()
	if err != nil || len(left) != 0 {
		return "", failf("left after delete: %q %v", left, err)
	}
	return fmt.Sprintf("%d deleted", len(deleted)), nil
}

func (r *runner) deleteBucket() (string, error) {
	if _, err := r.client.DeleteBucket(r.ctx, &oss.DeleteBucketRequest{Bucket: oss.Ptr(r.bucket)}); err != nil {
		return "", err
	}
	ok, err := r.client.IsBucketExist(r.ctx, r.bucket)
	if err != nil || ok {
		return "", failf("after DeleteBucket: exists=%v err=%v", ok, err)
	}
	return "deleted", nil
}

func (r *runner) run() int {
	r.step("put-bucket", r.putBucket)
	r.step("put-object", r.putObject)
	r.step("head-object", r.headObject)
	r.step("get-object", r.getObject)
	r.step("get-object-to-file", r.getObjectToFile)
	r.step("get-object-range", r.getObjectRange)
	r.step("get-missing-object", r.getMissing)
	r.step("put-25-list-objects", r.putListObjects)
	r.step("list-objects-v2-paged-url-encoded", r.listPaged)
	r.step("list-objects-v2-delimiter", r.listDelimiter)
	r.step("list-objects-v2-start-after", r.listStartAfter)
	r.step("presign-get-net-http", func() (string, error) { return r.presignGet("basic/small.bin", r.small) })
	r.step("presign-get-unicode-key", func() (string, error) {
		key := listPrefix + "unicode-ü-日本語-😀"
		for i, k := range r.listed {
			if k == key {
				return r.presignGet(key, []byte(fmt.Sprintf("object %d", i)))
			}
		}
		return "", failf("listing objects were not created")
	})
	r.step("delete-object", r.deleteObject)
	r.step("is-object-exist", r.isObjectExist)
	r.step("multipart-upload-20mib", r.multipart)
	r.step("uploader-20mib", r.uploader)
	r.step("downloader-20mib", r.downloader)
	r.step("abort-multipart-upload", r.abortMultipart)
	r.step("copy-object", r.copyObject)
	r.step("append-object", r.appendObject)
	r.step("delete-multiple-objects", r.deleteMultiple)
	r.step("delete-bucket", r.deleteBucket)
	if r.failed {
		return 1
	}
	return 0
}

// loopbackDialer keeps the SDK's own transport (timeouts, limits) and only sends every
// connection to 127.0.0.1: `bucket.localhost` does not resolve through every resolver, while
// the Host header stays the virtual-hosted one the SDK chose.
func loopbackDialer(t *http.Transport) {
	dial := t.DialContext
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		return dial(ctx, network, net.JoinHostPort("127.0.0.1", port))
	}
}

func main() {
	endpoint := flag.String("endpoint", "", "http://127.0.0.1:PORT (path style) or http://localhost:PORT (virtual-hosted)")
	region := flag.String("region", "cn-hangzhou", "region in the V4 scope")
	bucket := flag.String("bucket", "", "bucket to create, use and delete")
	ak := flag.String("access-key-id", os.Getenv("OSS_ACCESS_KEY_ID"), "AccessKey ID")
	sk := flag.String("access-key-secret", os.Getenv("OSS_ACCESS_KEY_SECRET"), "AccessKey secret")
	style := flag.String("style", "virtual", "path or virtual")
	keepGoing := flag.Bool("keep-going", false, "run every step even after a failure")
	flag.Parse()
	if *endpoint == "" || *bucket == "" || *ak == "" || *sk == "" || (*style != "path" && *style != "virtual") {
		flag.Usage()
		os.Exit(2)
	}

	// The SDK's default HTTP client, built the way the SDK builds it, with the loopback dialer.
	httpClient := transport.NewHttpClient(&transport.Config{}, loopbackDialer)
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(*ak, *sk)).
		WithRegion(*region).
		WithEndpoint(*endpoint).
		WithHttpClient(httpClient)
	if *style == "path" {
		cfg = cfg.WithUsePathStyle(true)
	}
	tmp, err := os.MkdirTemp("", "pail-sdk-go-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(tmp)
	r := &runner{
		ctx: context.Background(), client: oss.NewClient(cfg), bucket: *bucket, keepGoing: *keepGoing, tmp: tmp,
		small: payload(100*1024+7, 1), big: payload(20*mib+123, 2),
		http: &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(addr)
			return (&net.Dialer{Timeout: 10 * time.Second}).DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
		}}, Timeout: 60 * time.Second},
	}
	code := r.run()
	os.RemoveAll(tmp)
	os.Exit(code)
}
