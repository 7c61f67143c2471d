package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"io/fs"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// zipInput is out of order on purpose; "assets/index.html" must not bring an
// "assets/" directory entry.
func zipInput() []file {
	return []file{
		{Name: "bootstrap", Mode: 0o755, Data: bytes.Repeat([]byte("\x7fELF pretend executable "), 200)},
		{Name: "assets/index.html", Mode: 0o644, Data: []byte("<h1>hello</h1>\n")},
		{Name: "a.txt", Mode: 0o755, Data: []byte("first by name\n")},
	}
}

func zipBytes(t *testing.T, files []file) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, writeZip(&buf, files))
	return buf.Bytes()
}

func TestWriteZipSameInputSameBytes(t *testing.T) {
	first := zipBytes(t, zipInput())

	// The same files in another order, written a few seconds later: a time
	// taken from the clock (2-second resolution in the MS-DOS fields) or an
	// order taken from the slice would change the bytes.
	reversed := zipInput()
	reversed[0], reversed[2] = reversed[2], reversed[0]
	time.Sleep(2100 * time.Millisecond)
	second := zipBytes(t, reversed)

	assert.Equal(t, sha256.Sum256(first), sha256.Sum256(second))
	assert.True(t, bytes.Equal(first, second))
	assert.Equal(t, "bootstrap", zipInput()[0].Name, "the caller's slice is not reordered")
	assert.Equal(t, "a.txt", reversed[0].Name, "the caller's slice is not reordered")
}

func TestWriteZipReadsBackExactly(t *testing.T) {
	data := zipBytes(t, zipInput())
	r, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)

	assert.Empty(t, r.Comment)
	epoch := time.Date(1980, time.January, 1, 0, 0, 0, 0, time.UTC)
	want := []struct {
		name string
		mode fs.FileMode
		unix uint32 // S_IFREG | permissions, as Info-ZIP stores them
		data []byte
	}{
		{"a.txt", 0o755, 0o100755, []byte("first by name\n")},
		{"assets/index.html", 0o644, 0o100644, []byte("<h1>hello</h1>\n")},
		{"bootstrap", 0o755, 0o100755, bytes.Repeat([]byte("\x7fELF pretend executable "), 200)},
	}
	require.Len(t, r.File, len(want), "exactly the files: no directory entries")
	for i, w := range want {
		f := r.File[i]
		assert.Equal(t, w.name, f.Name, "entry %d", i)
		assert.Equal(t, zip.Deflate, f.Method, f.Name)
		assert.True(t, f.Modified.Equal(epoch), "%s: modified %v", f.Name, f.Modified)
		assert.Equal(t, w.mode, f.Mode(), f.Name)
		assert.Equal(t, w.unix, f.ExternalAttrs>>16, f.Name)
		assert.Empty(t, f.Extra, "%s: central directory extra fields", f.Name)
		assert.Empty(t, f.Comment, f.Name)

		rc, err := f.Open()
		require.NoError(t, err)
		got, err := io.ReadAll(rc)
		require.NoError(t, err)
		require.NoError(t, rc.Close())
		assert.Equal(t, w.data, got, f.Name)

		// The local file header (APPNOTE 4.3.7), read from the raw bytes: it
		// sits right before the data, 30 bytes plus the name plus the extra
		// field, which must be empty (no extended timestamp 0x5455).
		off, err := f.DataOffset()
		require.NoError(t, err)
		start := off - 30 - int64(len(f.Name))
		require.GreaterOrEqual(t, start, int64(0), f.Name)
		h := data[start:off]
		assert.Equal(t, []byte("PK\x03\x04"), h[0:4], "%s: local header signature", f.Name)
		assert.Equal(t, uint16(0), binary.LittleEndian.Uint16(h[10:12]), "%s: MS-DOS time 00:00:00", f.Name)
		assert.Equal(t, uint16(0x0021), binary.LittleEndian.Uint16(h[12:14]), "%s: MS-DOS date 1980-01-01", f.Name)
		assert.Equal(t, uint16(len(f.Name)), binary.LittleEndian.Uint16(h[26:28]), "%s: name length", f.Name)
		assert.Equal(t, uint16(0), binary.LittleEndian.Uint16(h[28:30]), "%s: local extra field length", f.Name)
		assert.Equal(t, f.Name, string(h[30:]), "%s: local header name", f.Name)
	}
}

func TestWriteZipDifferentContentDifferentHash(t *testing.T) {
	changed := zipInput()
	changed[0].Data = append(bytes.Clone(changed[0].Data), '!')
	assert.NotEqual(t, sha256.Sum256(zipBytes(t, zipInput())), sha256.Sum256(zipBytes(t, changed)))

	// The mode is part of the bytes too: a lost executable bit must show.
	lostBit := zipInput()
	lostBit[0].Mode = 0o644
	assert.NotEqual(t, sha256.Sum256(zipBytes(t, zipInput())), sha256.Sum256(zipBytes(t, lostBit)))
}

func TestWriteZipRefusesBadEntries(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []file
		want  string
	}{
		{"directory", []file{{Name: "dir/", Mode: 0o755}}, `"dir/": not a valid file name`},
		{"absolute", []file{{Name: "/bootstrap", Mode: 0o755}}, `"/bootstrap": not a valid file name`},
		{"dot-dot", []file{{Name: "../bootstrap", Mode: 0o755}}, `"../bootstrap": not a valid file name`},
		{"empty", []file{{Name: "", Mode: 0o755}}, `"": not a valid file name`},
		{"twice", []file{{Name: "bootstrap", Mode: 0o755}, {Name: "bootstrap", Mode: 0o755}}, `"bootstrap": twice`},
		{"dir mode", []file{{Name: "bootstrap", Mode: fs.ModeDir | 0o755}}, "not a regular file's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			assert.ErrorContains(t, writeZip(&buf, tc.files), tc.want)
		})
	}
}
