package pail.sdk;

import com.aliyun.oss.ClientBuilderConfiguration;
import com.aliyun.oss.ClientException;
import com.aliyun.oss.InconsistentException;
import com.aliyun.oss.OSS;
import com.aliyun.oss.OSSClientBuilder;
import com.aliyun.oss.OSSException;
import com.aliyun.oss.common.auth.DefaultCredentialProvider;
import com.aliyun.oss.common.comm.SignVersion;
import com.aliyun.oss.common.utils.CRC64;
import com.aliyun.oss.model.AppendObjectRequest;
import com.aliyun.oss.model.AppendObjectResult;
import com.aliyun.oss.model.CompleteMultipartUploadRequest;
import com.aliyun.oss.model.CompleteMultipartUploadResult;
import com.aliyun.oss.model.CopyObjectRequest;
import com.aliyun.oss.model.CopyObjectResult;
import com.aliyun.oss.model.DeleteObjectsRequest;
import com.aliyun.oss.model.DeleteObjectsResult;
import com.aliyun.oss.model.GetObjectRequest;
import com.aliyun.oss.model.InitiateMultipartUploadRequest;
import com.aliyun.oss.model.InitiateMultipartUploadResult;
import com.aliyun.oss.model.ListObjectsV2Request;
import com.aliyun.oss.model.ListObjectsV2Result;
import com.aliyun.oss.model.ListPartsRequest;
import com.aliyun.oss.model.OSSObject;
import com.aliyun.oss.model.OSSObjectSummary;
import com.aliyun.oss.model.ObjectMetadata;
import com.aliyun.oss.model.PartETag;
import com.aliyun.oss.model.PartListing;
import com.aliyun.oss.model.PartSummary;
import com.aliyun.oss.model.PutObjectResult;
import com.aliyun.oss.model.UploadFileRequest;
import com.aliyun.oss.model.UploadFileResult;
import com.aliyun.oss.model.UploadPartRequest;
import com.aliyun.oss.model.UploadPartResult;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.HttpURLConnection;
import java.net.URL;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Conformance client: drives Pail with the official Java SDK (com.aliyun.oss:aliyun-sdk-oss) signing
 * with V4. Runs numbered steps against one bucket and prints one JSON line per step
 * {"step":"03-head-object","ok":true,"detail":"..."}.
 *
 * <p>The SDK keeps its defaults (CRC-64 checks on) except what the issue allows to set: endpoint,
 * region, credentials, signature version V4 and the addressing style. The SDK itself switches to
 * path style for an IP or {@code localhost} endpoint; for any other host {@code --style path} sets
 * {@code setSLDEnabled(true)}, and virtual-hosted style needs a host that is neither (for example
 * the server's {@code --domain}).
 *
 * <pre>
 * java -cp CLASSPATH pail.sdk.SdkClient --endpoint http://127.0.0.1:PORT --region cn-hangzhou \
 *   --bucket NAME --access-key-id AK --access-key-secret SK [--style path|virtual] [--keep-going]
 * </pre>
 * Credentials may also come from OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET. Exit status: 0 when every
 * step passed, 1 on the first failure (with --keep-going: after all steps), 2 on bad usage.
 */
public final class SdkClient {
    private static final int MIB = 1024 * 1024;
    private static final String LIST_PREFIX = "list/";
    // Keys that break when a server ignores encoding-type=url or decodes twice: %, +, space,
    // multi-byte UTF-8, a literal escape sequence, and characters XML must escape.
    private static final List<String> SPECIAL_KEYS = Arrays.asList(
        "percent%sign", "percent%20literal", "plus+sign", "space in name", "unicode-ü-日本語-😀",
        "amp&lt<gt>", "quote\"apos'", "tilde~star*", "hash#question?", "dir/nested key", "dir/ü/x");
    private static final Comparator<String> UTF8_ORDER = (a, b) -> Arrays.compareUnsigned(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

    interface Step {
        String run() throws Throwable;
    }

    static final class StepFailed extends Exception {
        private static final long serialVersionUID = 1L;

        StepFailed(String msg) {
            super(msg);
        }
    }

    private final OSS client;
    private final String bucket;
    private final boolean keepGoing;
    private final Path tmp;
    private final byte[] small = payload(100 * 1024 + 7, 1);
    private final byte[] big = payload(20 * MIB + 123, 2);
    private final List<String> listed = new ArrayList<>();
    private boolean failed;
    private int n;

    SdkClient(OSS client, String bucket, boolean keepGoing, Path tmp) {
        this.client = client;
        this.bucket = bucket;
        this.keepGoing = keepGoing;
        this.tmp = tmp;
    }

    // -- helpers --------------------------------------------------------------------------------

    static byte[] payload(int size, int seed) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] out = new byte[size];
            byte[] block = md.digest(Integer.toString(seed).getBytes(StandardCharsets.UTF_8));
            int off = 0;
            while (off < size) {
                block = md.digest(block);
                for (int i = 0; i < 64 && off < size; i++) {
                    int len = Math.min(block.length, size - off);
                    System.arraycopy(block, 0, out, off, len);
                    off += len;
                }
            }
            return out;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x));
        }
        return sb.toString();
    }

    static String sha256(byte[] data) throws Exception {
        return hex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    static String md5Upper(byte[] data) throws Exception {
        return hex(MessageDigest.getInstance("MD5").digest(data)).toUpperCase(Locale.ROOT);
    }

    static long crc64(byte[] data) {
        CRC64 c = new CRC64();
        c.update(data, data.length);
        return c.getValue();
    }

    static void check(boolean cond, String msg) throws StepFailed {
        if (!cond) {
            throw new StepFailed(msg);
        }
    }

    static boolean etagIs(String etag, String md5) {
        return etag != null && etag.replace("\"", "").toUpperCase(Locale.ROOT).equals(md5);
    }

    static String json(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        return sb.append('"').toString();
    }

    /** The SDK's own view of a failure: code, message, request id (oss-api-notes.md §5.3). */
    static String describe(Throwable e) {
        if (e instanceof OSSException) {
            OSSException o = (OSSException) e;
            return "OSSException code=" + o.getErrorCode() + " message=" + o.getErrorMessage() + " request_id=" + o.getRequestId()
                + " host_id=" + o.getHostId()
                + (o.getErrorCode() == null && o.getRawResponseError() != null ? " raw=" + o.getRawResponseError().replaceAll("\\s+", " ") : "");
        }
        if (e instanceof ClientException) {
            ClientException c = (ClientException) e;
            return "ClientException code=" + c.getErrorCode() + " message=" + c.getErrorMessage() + " request_id=" + c.getRequestId()
                + (c.getCause() != null ? " cause=" + c.getCause() : "");
        }
        if (e instanceof InconsistentException) {
            return "InconsistentException (CRC-64 mismatch) " + e.getMessage();
        }
        if (e instanceof StepFailed) {
            return e.getMessage();
        }
        StringWriter sw = new StringWriter();
        e.printStackTrace(new PrintWriter(sw));
        String[] lines = sw.toString().split("\n");
        return e + (lines.length > 1 ? " | " + lines[1].trim() : "");
    }

    void step(String name, Step fn) {
        n++;
        String id = String.format("%02d-%s", n, name);
        long t0 = System.nanoTime();
        boolean ok;
        String detail;
        try {
            detail = fn.run();
            ok = true;
        } catch (Throwable e) {
            detail = describe(e);
            ok = false;
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("{\"step\":" + json(id) + ",\"ok\":" + ok + ",\"detail\":" + json(detail == null ? "" : detail) + ",\"ms\":" + ms + "}");
        System.out.flush();
        if (!ok) {
            failed = true;
            if (!keepGoing) {
                System.exit(1);
            }
        }
    }

    PutObjectResult put(String key, byte[] data, ObjectMetadata meta) {
        return meta == null ? client.putObject(bucket, key, new ByteArrayInputStream(data))
            : client.putObject(bucket, key, new ByteArrayInputStream(data), meta);
    }

    byte[] getBytes(String key) throws Exception {
        OSSObject o = client.getObject(bucket, key);
        try (InputStream in = o.getObjectContent()) {
            return in.readAllBytes();
        }
    }

    // -- steps ------------------------------------------------------------------------------------

    String putBucket() {
        return "request_id=" + client.createBucket(bucket).getRequestId();
    }

    String putObject() throws Exception {
        ObjectMetadata meta = new ObjectMetadata();
        meta.setContentType("application/octet-stream");
        meta.addUserMetadata("origin", "sdk-java");
        PutObjectResult r = put("basic/small.bin", small, meta);
        check(etagIs(r.getETag(), md5Upper(small)), "etag " + r.getETag() + " != md5 " + md5Upper(small));
        // The SDK already threw if x-oss-hash-crc64ecma disagreed; require the header as well.
        check(r.getServerCRC() != null && r.getServerCRC() == crc64(small), "x-oss-hash-crc64ecma " + r.getServerCRC() + " != " + crc64(small));
        return "etag=" + r.getETag() + " request_id=" + r.getRequestId();
    }

    String headObject() throws Exception {
        ObjectMetadata m = client.getObjectMetadata(bucket, "basic/small.bin");
        check(m.getContentLength() == small.length, "content length " + m.getContentLength());
        check("application/octet-stream".equals(m.getContentType()), "content type " + m.getContentType());
        check(etagIs(m.getETag(), md5Upper(small)), "etag " + m.getETag());
        check(m.getServerCRC() != null && m.getServerCRC() == crc64(small), "crc64 " + m.getServerCRC());
        check("sdk-java".equals(m.getUserMetadata().get("origin")), "metadata " + m.getUserMetadata());
        check("Normal".equals(m.getObjectType()), "object type " + m.getObjectType());
        check(m.getLastModified() != null, "no Last-Modified");
        return "type=" + m.getObjectType() + " meta=" + m.getUserMetadata();
    }

    String getObject() throws Exception {
        byte[] data = getBytes("basic/small.bin");
        check(sha256(data).equals(sha256(small)), "sha256 mismatch (" + data.length + " bytes)");
        return data.length + " bytes, sha256 ok";
    }

    String getObjectToFile() throws Exception {
        // getObject(request, file) is where this SDK compares the download CRC-64.
        File f = tmp.resolve("small.bin").toFile();
        client.getObject(new GetObjectRequest(bucket, "basic/small.bin"), f);
        check(sha256(Files.readAllBytes(f.toPath())).equals(sha256(small)), "sha256 mismatch");
        return "crc64 checked by the SDK, sha256 ok";
    }

    String getObjectRange() throws Exception {
        GetObjectRequest req = new GetObjectRequest(bucket, "basic/small.bin");
        req.setRange(100, 1123);
        OSSObject o = client.getObject(req);
        byte[] data;
        try (InputStream in = o.getObjectContent()) {
            data = in.readAllBytes();
        }
        check(Arrays.equals(data, Arrays.copyOfRange(small, 100, 1124)), "range body mismatch (" + data.length + " bytes)");
        return data.length + " bytes";
    }

    String getMissing() throws Exception {
        try {
            getBytes("no/such/key");
        } catch (OSSException e) {
            check("NoSuchKey".equals(e.getErrorCode()) && e.getRequestId() != null && !e.getRequestId().isEmpty(), describe(e));
            return e.getErrorCode() + " request_id=" + e.getRequestId();
        }
        throw new StepFailed("GET of a missing key succeeded");
    }

    String putListObjects() {
        for (int i = 0; i < 25 - SPECIAL_KEYS.size(); i++) {
            listed.add(String.format("%s%02d-obj", LIST_PREFIX, i));
        }
        for (String k : SPECIAL_KEYS) {
            listed.add(LIST_PREFIX + k);
        }
        for (int i = 0; i < listed.size(); i++) {
            put(listed.get(i), ("object " + i).getBytes(StandardCharsets.UTF_8), null);
        }
        return listed.size() + " objects";
    }

    /** This SDK leaves keys URL-encoded when encoding-type=url; its documentation decodes them like this. */
    static String decode(String s, String encodingType) throws Exception {
        return "url".equals(encodingType) ? URLDecoder.decode(s, "UTF-8") : s;
    }

    String listPaged() throws Exception {
        List<String> want = new ArrayList<>(listed);
        want.sort(UTF8_ORDER);
        List<String> got = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            ListObjectsV2Request req = new ListObjectsV2Request(bucket, LIST_PREFIX);
            req.setMaxKeys(7);
            req.setEncodingType("url");
            req.setContinuationToken(token);
            ListObjectsV2Result r = client.listObjectsV2(req);
            pages++;
            check("url".equals(r.getEncodingType()), "page " + pages + ": EncodingType " + r.getEncodingType());
            check(r.getKeyCount() == r.getObjectSummaries().size(), "page " + pages + ": KeyCount " + r.getKeyCount());
            for (OSSObjectSummary s : r.getObjectSummaries()) {
                got.add(decode(s.getKey(), r.getEncodingType()));
                check(s.getETag() != null && s.getLastModified() != null, "incomplete entry " + s.getKey());
            }
            token = r.isTruncated() ? r.getNextContinuationToken() : null;
            check(!r.isTruncated() || token != null, "truncated page without NextContinuationToken");
            check(pages <= 10, "too many pages");
        } while (token != null);
        check(got.equals(want), "keys differ:\n got " + got + "\nwant " + want);
        check(pages == 4, pages + " pages for 25 keys at max-keys=7");
        return got.size() + " keys in " + pages + " pages";
    }

    String presignGet(String key, byte[] want) throws Exception {
        URL url = client.generatePresignedUrl(bucket, key, new Date(System.currentTimeMillis() + 15 * 60 * 1000L));
        check(url.getQuery() != null && url.getQuery().contains("x-oss-signature-version=OSS4-HMAC-SHA256"), "not a V4 URL: " + url);
        HttpURLConnection conn = (HttpURLConnection) url.openConnection();
        conn.setConnectTimeout(10_000);
        conn.setReadTimeout(60_000);
        int status = conn.getResponseCode();
        if (status != 200) {
            InputStream err = conn.getErrorStream();
            String body = err == null ? "" : new String(err.readAllBytes(), StandardCharsets.UTF_8);
            throw new StepFailed("HTTP " + status + ": " + body);
        }
        byte[] body;
        try (InputStream in = conn.getInputStream()) {
            body = in.readAllBytes();
        }
        check(sha256(body).equals(sha256(want)), "sha256 mismatch");
        return "GET " + body.length + " bytes via HttpURLConnection (host " + url.getHost() + ")";
    }

    String deleteObject() throws Exception {
        String key = LIST_PREFIX + "plus+sign";
        client.deleteObject(bucket, key);
        check(!client.doesObjectExist(bucket, key), "object still there after DeleteObject");
        try {
            client.getObjectMetadata(bucket, key);
        } catch (OSSException e) {
            check("NoSuchKey".equals(e.getErrorCode()), describe(e));
            listed.remove(key);
            return "HEAD -> " + e.getErrorCode() + " request_id=" + e.getRequestId();
        }
        throw new StepFailed("HEAD after delete succeeded");
    }

    String multipart() throws Exception {
        String key = "multipart/low-level.bin";
        InitiateMultipartUploadResult init = client.initiateMultipartUpload(new InitiateMultipartUploadRequest(bucket, key));
        check(init.getUploadId() != null, "no UploadId");
        int[] sizes = {8 * MIB, 8 * MIB, big.length - 16 * MIB};
        List<PartETag> etags = new ArrayList<>();
        int off = 0;
        for (int i = 0; i < sizes.length; i++) {
            byte[] chunk = Arrays.copyOfRange(big, off, off + sizes[i]);
            off += sizes[i];
            UploadPartRequest req = new UploadPartRequest(bucket, key, init.getUploadId(), i + 1, new ByteArrayInputStream(chunk), chunk.length);
            UploadPartResult r = client.uploadPart(req); // the SDK compares the part CRC-64
            check(etagIs(r.getETag(), md5Upper(chunk)), "part " + (i + 1) + " etag " + r.getETag());
            etags.add(r.getPartETag());
        }
        PartListing parts = client.listParts(new ListPartsRequest(bucket, key, init.getUploadId()));
        List<PartSummary> ps = parts.getParts();
        check(ps.size() == 3 && ps.get(0).getPartNumber() == 1 && ps.get(2).getSize() == sizes[2], "ListParts " + ps.size() + " parts");
        // completeMultipartUpload combines the part CRCs and compares them with x-oss-hash-crc64ecma.
        CompleteMultipartUploadResult cm = client.completeMultipartUpload(new CompleteMultipartUploadRequest(bucket, key, init.getUploadId(), etags));
        check(cm.getETag() != null && cm.getETag().replace("\"", "").endsWith("-3"), "complete etag " + cm.getETag());
        ObjectMetadata m = client.getObjectMetadata(bucket, key);
        check(m.getContentLength() == big.length && "Multipart".equals(m.getObjectType()), "head: length " + m.getContentLength() + " type " + m.getObjectType());
        check(m.getServerCRC() != null && m.getServerCRC() == crc64(big), "crc64 " + m.getServerCRC() + " != " + crc64(big));
        File f = tmp.resolve("mp.bin").toFile();
        client.getObject(new GetObjectRequest(bucket, key), f);
        check(sha256(Files.readAllBytes(f.toPath())).equals(sha256(big)), "download sha256 mismatch");
        return "3 parts, etag=" + cm.getETag() + ", " + big.length + " bytes round-tripped";
    }

    String uploadFile() throws Throwable {
        Path src = tmp.resolve("big-src.bin");
        Files.write(src, big);
        UploadFileRequest req = new UploadFileRequest(bucket, "multipart/upload-file.bin");
        req.setUploadFile(src.toString());
        req.setPartSize(6 * MIB);
        req.setTaskNum(3);
        UploadFileResult r = client.uploadFile(req);
        CompleteMultipartUploadResult cm = r.getMultipartUploadResult();
        check(cm != null && cm.getETag() != null && cm.getETag().replace("\"", "").endsWith("-4"), "etag " + (cm == null ? null : cm.getETag()));
        byte[] data = getBytes("multipart/upload-file.bin");
        check(sha256(data).equals(sha256(big)), "sha256 mismatch");
        return "etag=" + cm.getETag();
    }

    String copyObject() throws Exception {
        String dst = "copy/dst ü+%.bin";
        CopyObjectResult r = client.copyObject(bucket, "basic/small.bin", bucket, dst);
        check(etagIs(r.getETag(), md5Upper(small)), "etag " + r.getETag());
        check(sha256(getBytes(dst)).equals(sha256(small)), "copy sha256 mismatch");
        ObjectMetadata m = client.getObjectMetadata(bucket, dst);
        check("sdk-java".equals(m.getUserMetadata().get("origin")), "metadata not copied: " + m.getUserMetadata());
        CopyObjectRequest req = new CopyObjectRequest(bucket, dst, bucket, "copy/replaced.bin");
        ObjectMetadata nm = new ObjectMetadata();
        nm.setContentType("text/plain");
        nm.addUserMetadata("origin", "replaced");
        req.setNewObjectMetadata(nm); // sends x-oss-metadata-directive: REPLACE
        client.copyObject(req);
        ObjectMetadata m2 = client.getObjectMetadata(bucket, "copy/replaced.bin");
        Map<String, String> want = new HashMap<>();
        want.put("origin", "replaced");
        check(want.equals(m2.getUserMetadata()) && "text/plain".equals(m2.getContentType()), "REPLACE: " + m2.getUserMetadata() + " " + m2.getContentType());
        return "etag=" + r.getETag();
    }

    String appendObject() throws Exception {
        String key = "append/log.txt";
        byte[] a = "first line\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
        byte[] b = "second ü line\n".repeat(500).getBytes(StandardCharsets.UTF_8);
        AppendObjectRequest r1 = new AppendObjectRequest(bucket, key, new ByteArrayInputStream(a));
        r1.setPosition(0L);
        r1.setInitCRC(0L); // switches on the SDK's CRC-64 check of the appended object
        AppendObjectResult res1 = client.appendObject(r1);
        check(res1.getNextPosition() == a.length, "next position " + res1.getNextPosition());
        AppendObjectRequest r2 = new AppendObjectRequest(bucket, key, new ByteArrayInputStream(b));
        r2.setPosition(res1.getNextPosition());
        r2.setInitCRC(res1.getClientCRC());
        AppendObjectResult res2 = client.appendObject(r2);
        check(res2.getNextPosition() == a.length + b.length, "next position " + res2.getNextPosition());
        byte[] ab = new byte[a.length + b.length];
        System.arraycopy(a, 0, ab, 0, a.length);
        System.arraycopy(b, 0, ab, a.length, b.length);
        check(res2.getServerCRC() != null && res2.getServerCRC() == crc64(ab), "crc64 " + res2.getServerCRC());
        check(Arrays.equals(getBytes(key), ab), "appended content mismatch");
        check("Appendable".equals(client.getObjectMetadata(bucket, key).getObjectType()), "object type");
        try {
            AppendObjectRequest bad = new AppendObjectRequest(bucket, key, new ByteArrayInputStream("x".getBytes(StandardCharsets.UTF_8)));
            bad.setPosition(1L);
            client.appendObject(bad);
        } catch (OSSException e) {
            check("PositionNotEqualToLength".equals(e.getErrorCode()), describe(e));
            return ab.length + " bytes, wrong position -> " + e.getErrorCode();
        }
        throw new StepFailed("append at a wrong position succeeded");
    }

    List<String> allKeys() throws Exception {
        List<String> keys = new ArrayList<>();
        String token = null;
        do {
            ListObjectsV2Request req = new ListObjectsV2Request(bucket);
            req.setEncodingType("url");
            req.setContinuationToken(token);
            ListObjectsV2Result r = client.listObjectsV2(req);
            for (OSSObjectSummary s : r.getObjectSummaries()) {
                keys.add(decode(s.getKey(), r.getEncodingType()));
            }
            token = r.isTruncated() ? r.getNextContinuationToken() : null;
        } while (token != null);
        return keys;
    }

    String deleteMultiple() throws Exception {
        List<String> keys = allKeys();
        check(!keys.isEmpty(), "nothing to delete");
        DeleteObjectsRequest req = new DeleteObjectsRequest(bucket).withKeys(keys).withEncodingType("url");
        DeleteObjectsResult r = client.deleteObjects(req);
        List<String> deleted = new ArrayList<>();
        for (String k : r.getDeletedObjects()) {
            deleted.add(decode(k, r.getEncodingType()));
        }
        deleted.sort(UTF8_ORDER);
        keys.sort(UTF8_ORDER);
        check(deleted.equals(keys), "deleted " + deleted + " of " + keys);
        check(allKeys().isEmpty(), "objects left");
        return deleted.size() + " deleted";
    }

    String deleteBucket() throws Exception {
        client.deleteBucket(bucket);
        check(!client.doesBucketExist(bucket), "bucket still exists");
        return "deleted";
    }

    int run() {
        step("put-bucket", this::putBucket);
        step("put-object", this::putObject);
        step("head-object", this::headObject);
        step("get-object", this::getObject);
        step("get-object-to-file", this::getObjectToFile);
        step("get-object-range", this::getObjectRange);
        step("get-missing-object", this::getMissing);
        step("put-25-list-objects", this::putListObjects);
        step("list-objects-v2-paged-url-encoded", this::listPaged);
        step("presign-get-httpurlconnection", () -> presignGet("basic/small.bin", small));
        step("presign-get-unicode-key", () -> {
            String key = LIST_PREFIX + "unicode-ü-日本語-😀";
            return presignGet(key, ("object " + listed.indexOf(key)).getBytes(StandardCharsets.UTF_8));
        });
        step("delete-object", this::deleteObject);
        step("multipart-upload-20mib", this::multipart);
        step("upload-file-20mib", this::uploadFile);
        step("copy-object", this::copyObject);
        step("append-object", this::appendObject);
        step("delete-multiple-objects", this::deleteMultiple);
        step("delete-bucket", this::deleteBucket);
        return failed ? 1 : 0;
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = new HashMap<>();
        args.put("region", "cn-hangzhou");
        args.put("style", "virtual");
        boolean keepGoing = false;
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (a.equals("--keep-going")) {
                keepGoing = true;
            } else if (a.startsWith("--") && i + 1 < argv.length) {
                args.put(a.substring(2), argv[++i]);
            } else {
                System.err.println("unexpected argument " + a);
                System.exit(2);
            }
        }
        args.putIfAbsent("access-key-id", System.getenv("OSS_ACCESS_KEY_ID"));
        args.putIfAbsent("access-key-secret", System.getenv("OSS_ACCESS_KEY_SECRET"));
        String endpoint = args.get("endpoint");
        String bucket = args.get("bucket");
        String style = args.get("style");
        if (endpoint == null || bucket == null || args.get("access-key-id") == null || args.get("access-key-secret") == null
            || !(style.equals("path") || style.equals("virtual"))) {
            System.err.println("usage: SdkClient --endpoint URL --bucket NAME --access-key-id AK --access-key-secret SK "
                + "[--region R] [--style path|virtual] [--keep-going]");
            System.exit(2);
        }
        Path tmp = Files.createTempDirectory("pail-sdk-java-");
        if (style.equals("virtual")) {
            // `bucket.localhost` does not resolve through this machine's resolver: a hosts file read by
            // the JDK's resolver (jdk.net.hosts.file) sends every name the SDK uses to loopback. It must
            // be set before the first name lookup.
            String host = uriHost(endpoint);
            Path hosts = tmp.resolve("hosts");
            Files.write(hosts, ("127.0.0.1 " + host + " " + bucket + "." + host + "\n").getBytes(StandardCharsets.UTF_8));
            System.setProperty("jdk.net.hosts.file", hosts.toString());
        }

        ClientBuilderConfiguration conf = new ClientBuilderConfiguration();
        conf.setSignatureVersion(SignVersion.V4);
        if (style.equals("path")) {
            conf.setSLDEnabled(true);
        }
        OSS client = OSSClientBuilder.create()
            .endpoint(endpoint)
            .credentialsProvider(new DefaultCredentialProvider(args.get("access-key-id"), args.get("access-key-secret")))
            .clientConfiguration(conf)
            .region(args.get("region"))
            .build();
        int code;
        try {
            code = new SdkClient(client, bucket, keepGoing, tmp).run();
        } finally {
            client.shutdown();
        }
        System.exit(code);
    }

    private static String uriHost(String endpoint) {
        return java.net.URI.create(endpoint).getHost();
    }
}
