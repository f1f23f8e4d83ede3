// The Go column of the presigned-download matrix: the OSS guide's net/http + io.Copy snippet
// ("Download an object using a presigned URL", Go), taking the URL and the output path as arguments,
// plus a resume mode (Range: bytes=<size of the partial file>-) for large downloads.
// HTTPS trust: SSL_CERT_FILE (crypto/x509 reads it on Linux).
//
//	go run main.go <presigned-url> <file> [--resume]
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
)

func getObjectWithURL(url, filePath string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()

	// Check the status before creating the file, so an error body never lands under the object's name.
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("download failed: HTTP %d\n%s", resp.StatusCode, body)
	}

	file, err := os.Create(filePath)
	if err != nil {
		return err
	}
	defer file.Close()

	_, err = io.Copy(file, resp.Body)
	return err
}

// resumeObjectWithURL continues a partial download. The Range header is not part of a presigned
// URL's signature, so the same URL serves any range.
func resumeObjectWithURL(url, filePath string) error {
	info, err := os.Stat(filePath)
	if err != nil {
		return getObjectWithURL(url, filePath)
	}
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-", info.Size()))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()

	var file *os.File
	switch resp.StatusCode {
	case http.StatusPartialContent:
		file, err = os.OpenFile(filePath, os.O_WRONLY|os.O_APPEND, 0o644)
	case http.StatusOK: // the server sent the whole object
		file, err = os.Create(filePath)
	case http.StatusRequestedRangeNotSatisfiable: // already complete
		return nil
	default:
		body, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("download failed: HTTP %d\n%s", resp.StatusCode, body)
	}
	if err != nil {
		return err
	}
	defer file.Close()
	_, err = io.Copy(file, resp.Body)
	return err
}

func main() {
	if len(os.Args) < 3 || len(os.Args) > 4 || (len(os.Args) == 4 && os.Args[3] != "--resume") {
		fmt.Fprintln(os.Stderr, "usage: go-get <presigned-url> <file> [--resume]")
		os.Exit(2)
	}
	var err error
	if len(os.Args) == 4 {
		err = resumeObjectWithURL(os.Args[1], os.Args[2])
	} else {
		err = getObjectWithURL(os.Args[1], os.Args[2])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("download completed:", os.Args[2])
}
