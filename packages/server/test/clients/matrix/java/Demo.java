// The Java column of the presigned-download matrix (and the stand-in for the Android snippet, which
// uses the same java.net.HttpURLConnection): the OSS guide's flow, taking the URL and the output path
// as arguments, plus a resume mode (Range: bytes=<size of the partial file>-). Run as a single-file
// source program:
//
//   java Demo.java <presigned-url> <file> [--resume]
//
// HTTPS trust: -Djavax.net.ssl.trustStore=<truststore made by keytool> (the JVM's normal mechanism).
import java.io.File;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;

public class Demo {
    public static void main(String[] args) throws Exception {
        boolean resume = args.length == 3 && args[2].equals("--resume");
        if (args.length != 2 && !resume) {
            System.err.println("usage: java Demo.java <presigned-url> <file> [--resume]");
            System.exit(2);
        }
        File target = new File(args[1]);
        long have = resume && target.exists() ? target.length() : 0;

        URL url = new URL(args[0]);
        HttpURLConnection connection = (HttpURLConnection) url.openConnection();
        connection.setRequestMethod("GET");
        if (have > 0) {
            // The Range header is not part of a presigned URL's signature: the same URL serves any range.
            connection.setRequestProperty("Range", "bytes=" + have + "-");
        }
        int responseCode = connection.getResponseCode();
        if (responseCode == HttpURLConnection.HTTP_OK || (have > 0 && responseCode == HttpURLConnection.HTTP_PARTIAL)) {
            boolean append = responseCode == HttpURLConnection.HTTP_PARTIAL;
            try (InputStream in = connection.getInputStream();
                 OutputStream out = new FileOutputStream(target, append)) {
                byte[] buffer = new byte[4096];
                int n;
                while ((n = in.read(buffer)) != -1) {
                    out.write(buffer, 0, n);
                }
            }
            System.out.println("Download completed: " + args[1]);
        } else if (have > 0 && responseCode == 416) {
            System.out.println("Already complete: " + args[1]);
        } else {
            // Error statuses carry the OSS XML body on the error stream, not getInputStream().
            InputStream err = connection.getErrorStream();
            String body = err == null ? "" : new String(err.readAllBytes(), StandardCharsets.UTF_8);
            System.err.println("Download failed: HTTP " + responseCode);
            System.err.println(body);
            System.exit(1);
        }
        connection.disconnect();
    }
}
