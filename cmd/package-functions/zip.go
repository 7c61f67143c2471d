package main

import (
	"archive/zip"
	"cmp"
	"fmt"
	"io"
	"io/fs"
	"slices"
)

// file is one entry of an archive.
type file struct {
	Name string      // slash-separated path inside the archive, e.g. "bootstrap"
	Mode fs.FileMode // permission bits of a regular file, e.g. 0o755
	Data []byte
}

// The fixed modification time of every entry: 1980-01-01 00:00:00, the
// earliest time the MS-DOS date and time fields of a zip header can hold
// (years count from 1980). A real time would make every build's bytes differ.
// Source: https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT (4.4.6)
const (
	dosDate = 1<<5 | 1 // (year-1980)<<9 | month<<5 | day: 1980-01-01
	dosTime = 0        // hour<<11 | minute<<5 | second/2: 00:00:00
)

// writeZip writes files to w as a deterministic zip archive: the same files
// always give the same bytes, whatever their order in the slice, the clock,
// the time zone or the machine.
//
//   - Entries are sorted by name; only files, no directory entries (Lambda
//     needs none, and they would add metadata).
//   - Every entry has the fixed 1980-01-01 00:00:00 time (dosDate, dosTime),
//     stored only in the MS-DOS fields: FileHeader.Modified is left zero
//     because, when it is set, archive/zip's CreateHeader appends an
//     "extended timestamp" extra field (0x5455). That field would be constant
//     here too, but leaving it out makes the headers carry nothing beyond the
//     name, sizes, CRC, method and mode (like `zip -X`), and readers, including
//     archive/zip, report the MS-DOS time.
//   - The mode is the file's (SetMode: Unix permissions in the external
//     attributes; Lambda needs the executable bit on bootstrap).
//   - Deflate at the default level, which is deterministic for a given Go
//     version; no archive comment.
//
// It refuses an empty, absolute, non-canonical or duplicate name and a mode
// that is not a regular file's.
func writeZip(w io.Writer, files []file) error {
	sorted := slices.Clone(files) // never reorder the caller's slice
	slices.SortFunc(sorted, func(a, b file) int { return cmp.Compare(a.Name, b.Name) })
	for i, f := range sorted {
		if !fs.ValidPath(f.Name) || f.Name == "." {
			return fmt.Errorf("zip entry %q: not a valid file name", f.Name)
		}
		if i > 0 && sorted[i-1].Name == f.Name {
			return fmt.Errorf("zip entry %q: twice", f.Name)
		}
		if !f.Mode.IsRegular() {
			return fmt.Errorf("zip entry %q: mode %v is not a regular file's", f.Name, f.Mode)
		}
	}

	zw := zip.NewWriter(w)
	for _, f := range sorted {
		h := &zip.FileHeader{
			Name:   f.Name,
			Method: zip.Deflate,
			// The deprecated MS-DOS fields are the only way to give a time
			// without the extended-timestamp extra field (see above).
			ModifiedDate: dosDate, //nolint:staticcheck // SA1019: deliberate, see above
			ModifiedTime: dosTime, //nolint:staticcheck // SA1019: deliberate, see above
		}
		h.SetMode(f.Mode)
		entry, err := zw.CreateHeader(h)
		if err != nil {
			return fmt.Errorf("zip entry %q: %w", f.Name, err)
		}
		if _, err := entry.Write(f.Data); err != nil {
			return fmt.Errorf("zip entry %q: %w", f.Name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("finishing the zip: %w", err)
	}
	return nil
}
