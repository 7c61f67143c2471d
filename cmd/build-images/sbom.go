package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"runtime/debug"
	"strings"
	"time"
	"unicode"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// The SBOM is an SPDX 2.3 JSON document, the format ko's default --sbom=spdx
// writes, with the same content: the image, the Go module of the program,
// and every module compiled into it, from the build information the Go
// linker embeds in the executable (what `go version -m` prints; read here
// with debug/buildinfo).
// Spec: https://spdx.github.io/spdx-spec/v2.3/
// ko: https://ko.build/features/sboms/

// spdxVersion and the other constants of the document.
const (
	spdxVersion = "SPDX-2.3"
	// dataLicense is the one the spec allows for SPDX documents.
	dataLicense = "CC0-1.0"
	noAssertion = "NOASSERTION"
	// spdxTime is the spec's date format (UTC).
	spdxTime = "2006-01-02T15:04:05Z"
)

// spdxDoc is an SPDX 2.3 document (the fields used here).
// Schema: https://github.com/spdx/spdx-spec/blob/development/v2.3/schemas/spdx-schema.json
type spdxDoc struct {
	SPDXVersion       string             `json:"spdxVersion"`
	DataLicense       string             `json:"dataLicense"`
	SPDXID            string             `json:"SPDXID"`
	Name              string             `json:"name"`
	DocumentNamespace string             `json:"documentNamespace"`
	CreationInfo      spdxCreationInfo   `json:"creationInfo"`
	Packages          []spdxPackage      `json:"packages"`
	Relationships     []spdxRelationship `json:"relationships"`
}

type spdxCreationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type spdxPackage struct {
	SPDXID                string            `json:"SPDXID"`
	Name                  string            `json:"name"`
	VersionInfo           string            `json:"versionInfo,omitempty"`
	DownloadLocation      string            `json:"downloadLocation"`
	FilesAnalyzed         bool              `json:"filesAnalyzed"`
	LicenseConcluded      string            `json:"licenseConcluded"`
	LicenseDeclared       string            `json:"licenseDeclared"`
	CopyrightText         string            `json:"copyrightText"`
	SourceInfo            string            `json:"sourceInfo,omitempty"`
	Description           string            `json:"description,omitempty"`
	PrimaryPackagePurpose string            `json:"primaryPackagePurpose,omitempty"`
	Checksums             []spdxChecksum    `json:"checksums,omitempty"`
	ExternalRefs          []spdxExternalRef `json:"externalRefs,omitempty"`
}

type spdxChecksum struct {
	Algorithm     string `json:"algorithm"`
	ChecksumValue string `json:"checksumValue"`
}

type spdxExternalRef struct {
	ReferenceCategory string `json:"referenceCategory"`
	ReferenceType     string `json:"referenceType"`
	ReferenceLocator  string `json:"referenceLocator"`
}

type spdxRelationship struct {
	SPDXElementID      string `json:"spdxElementId"`
	RelationshipType   string `json:"relationshipType"`
	RelatedSPDXElement string `json:"relatedSpdxElement"`
}

// spdxDocument is the SBOM of the image digest, whose executable name was
// built as bi says: the image CONTAINS the program's module, which
// DEPENDS_ON the Go standard library and each module of bi.Deps. Created is
// the image's time, so the same image always gets the same document.
func spdxDocument(bi *debug.BuildInfo, name string, p v1.Platform, digest v1.Hash, created time.Time) ([]byte, error) {
	if bi.Main.Path == "" {
		return nil, fmt.Errorf("the executable has no main module in its build information (built with GOPATH or without module support?)")
	}
	imageID := "SPDXRef-Image-" + spdxIDPart(name)
	mainID := goPackageID(bi.Main.Path, bi.Main.Version)
	stdlibID := goPackageID("stdlib", bi.GoVersion)
	doc := spdxDoc{
		SPDXVersion: spdxVersion,
		DataLicense: dataLicense,
		SPDXID:      "SPDXRef-DOCUMENT",
		Name:        "sbom-" + name + "-" + digest.String(),
		// A URI unique to this document (the spec's recommendation): the
		// image's digest.
		DocumentNamespace: "https://spdx.org/spdxdocs/refarch-build-images/" + name + "-" + platformString(p, "-") + "-" + digest.Hex,
		CreationInfo: spdxCreationInfo{
			Created:  created.UTC().Format(spdxTime),
			Creators: []string{"Tool: " + imageAuthor},
		},
	}

	qualifiers := url.Values{"os": {p.OS}, "arch": {p.Architecture}}
	if p.Variant != "" {
		qualifiers.Set("variant", p.Variant)
	}
	doc.Packages = append(doc.Packages, spdxPackage{
		SPDXID:                imageID,
		Name:                  name,
		VersionInfo:           digest.String(),
		DownloadLocation:      noAssertion,
		LicenseConcluded:      noAssertion,
		LicenseDeclared:       noAssertion,
		CopyrightText:         noAssertion,
		PrimaryPackagePurpose: "CONTAINER",
		Description:           "OCI image " + platformString(p, "/") + ", entrypoint " + path.Join(appDir, name),
		Checksums:             []spdxChecksum{{Algorithm: "SHA256", ChecksumValue: digest.Hex}},
		// purl of an OCI image: the digest is the version.
		// Source: https://github.com/package-url/purl-spec/blob/main/PURL-TYPES.rst#oci
		ExternalRefs: []spdxExternalRef{purlRef("pkg:oci/" + purlEscape(name) + "@" + purlEscape(digest.String()) + "?" + qualifiers.Encode())},
	})
	doc.Packages = append(doc.Packages, spdxPackage{
		SPDXID:                mainID,
		Name:                  bi.Main.Path,
		VersionInfo:           bi.Main.Version,
		DownloadLocation:      noAssertion,
		LicenseConcluded:      noAssertion,
		LicenseDeclared:       noAssertion,
		CopyrightText:         noAssertion,
		PrimaryPackagePurpose: "APPLICATION",
		Description:           "package " + bi.Path + ", built with " + bi.GoVersion,
		ExternalRefs:          []spdxExternalRef{purlRef(goPurl(bi.Main.Path, bi.Main.Version))},
	})
	doc.Packages = append(doc.Packages, spdxPackage{
		SPDXID:                stdlibID,
		Name:                  "stdlib",
		VersionInfo:           bi.GoVersion,
		DownloadLocation:      "https://go.dev/dl/",
		LicenseConcluded:      noAssertion,
		LicenseDeclared:       noAssertion,
		CopyrightText:         noAssertion,
		PrimaryPackagePurpose: "LIBRARY",
		// The name and version scanners match the Go toolchain by.
		ExternalRefs: []spdxExternalRef{purlRef("pkg:golang/stdlib@" + strings.TrimPrefix(bi.GoVersion, "go"))},
	})
	doc.Relationships = append(doc.Relationships,
		spdxRelationship{"SPDXRef-DOCUMENT", "DESCRIBES", imageID},
		spdxRelationship{imageID, "CONTAINS", mainID},
		spdxRelationship{mainID, "DEPENDS_ON", stdlibID},
	)

	used := map[string]bool{imageID: true, mainID: true, stdlibID: true}
	for _, d := range bi.Deps {
		id := goPackageID(d.Path, d.Version)
		// Two paths may map onto one identifier (a_b, a-b): number the
		// later one.
		for n := 2; used[id]; n++ {
			id = fmt.Sprintf("%s-%d", goPackageID(d.Path, d.Version), n)
		}
		used[id] = true
		pkg := spdxPackage{
			SPDXID:                id,
			Name:                  d.Path,
			VersionInfo:           d.Version,
			DownloadLocation:      proxyZip(d.Path, d.Version),
			LicenseConcluded:      noAssertion,
			LicenseDeclared:       noAssertion,
			CopyrightText:         noAssertion,
			PrimaryPackagePurpose: "LIBRARY",
			ExternalRefs:          []spdxExternalRef{purlRef(goPurl(d.Path, d.Version))},
		}
		sum := d.Sum
		if r := d.Replace; r != nil {
			// A replace directive: the code compiled in is the
			// replacement's, a module version or a local directory (whose
			// version the linker records as "(devel)", with no sum).
			sum = r.Sum
			if r.Version == "" || r.Version == "(devel)" {
				pkg.SourceInfo = "replaced by " + r.Path
				pkg.DownloadLocation = noAssertion
			} else {
				pkg.SourceInfo = "replaced by " + r.Path + " " + r.Version
				pkg.DownloadLocation = proxyZip(r.Path, r.Version)
			}
		}
		// The go.sum hash of the module (h1: is the base64 SHA-256 of its
		// file tree's hash listing), as hex SHA256, as ko records it.
		// Source: https://go.dev/ref/mod#go-sum-files
		if h := h1Hex(sum); h != "" {
			pkg.Checksums = []spdxChecksum{{Algorithm: "SHA256", ChecksumValue: h}}
		}
		doc.Packages = append(doc.Packages, pkg)
		doc.Relationships = append(doc.Relationships, spdxRelationship{mainID, "DEPENDS_ON", pkg.SPDXID})
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// purlRef is a package URL as an SPDX external reference.
func purlRef(purl string) spdxExternalRef {
	return spdxExternalRef{ReferenceCategory: "PACKAGE-MANAGER", ReferenceType: "purl", ReferenceLocator: purl}
}

// goPurl is the package URL of a Go module.
// Source: https://github.com/package-url/purl-spec/blob/main/PURL-TYPES.rst#golang
func goPurl(modPath, version string) string {
	purl := "pkg:golang/" + modPath
	if version != "" && version != "(devel)" {
		purl += "@" + purlEscape(version)
	}
	return purl
}

// purlEscape percent-encodes a name or version of a package URL, ":"
// included (sha256:<hex> becomes sha256%3A<hex>).
// Source: https://github.com/package-url/purl-spec/blob/main/PURL-SPECIFICATION.rst
func purlEscape(s string) string {
	return strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
}

// proxyZip is where the Go module proxy serves the module's zip.
// Source: https://go.dev/ref/mod#goproxy-protocol
func proxyZip(modPath, version string) string {
	if version == "" {
		return noAssertion
	}
	return "https://proxy.golang.org/" + proxyEscape(modPath) + "/@v/" + proxyEscape(version) + ".zip"
}

// proxyEscape is the module proxy's case encoding: each upper-case letter
// becomes an exclamation mark and the letter in lower case.
// Source: https://go.dev/ref/mod#goproxy-protocol
func proxyEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// h1Hex is the hex of an "h1:<base64 SHA-256>" go.sum hash, or "".
func h1Hex(sum string) string {
	b64, ok := strings.CutPrefix(sum, "h1:")
	if !ok {
		return ""
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(b) != 32 {
		return ""
	}
	return hex.EncodeToString(b)
}

// goPackageID is the SPDX identifier of a Go module at a version.
func goPackageID(modPath, version string) string {
	return "SPDXRef-Package-go-" + spdxIDPart(modPath) + "-" + spdxIDPart(version)
}

// spdxIDPart maps s onto the characters SPDX identifiers allow (letters,
// digits, "." and "-"), each other character becoming "-".
func spdxIDPart(s string) string {
	return strings.Map(func(r rune) rune {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-') {
			return r
		}
		return '-'
	}, s)
}
