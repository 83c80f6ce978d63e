package release

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ChecksumsFile is the name of the checksum list, in `sha256sum` format.
const ChecksumsFile = "SHA256SUMS"

// writeChecksums lists the SHA-256 of every name in dir, sorted, as
// "<hex>  <name>" lines (what `sha256sum -c SHA256SUMS` reads).
func writeChecksums(dir string, names []string) (map[string]string, error) {
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	sums := map[string]string{}
	var b strings.Builder
	for _, n := range sorted {
		sum, err := fileSHA256(filepath.Join(dir, n))
		if err != nil {
			return nil, err
		}
		sums[n] = sum
		fmt.Fprintf(&b, "%s  %s\n", sum, n)
	}
	if err := os.WriteFile(filepath.Join(dir, ChecksumsFile), []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	return sums, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hashing %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
