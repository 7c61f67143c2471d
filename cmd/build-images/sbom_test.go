package main

import (
	"bytes"
	"debug/buildinfo"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSBOM builds the fixture and reads its SBOM as an SPDX 2.3 JSON
// document: it describes the image (by digest), which contains the
// fixture's module, which depends on the standard library of the toolchain
// that built it and on example.com/greet (replaced by a local directory).
func TestSBOM(t *testing.T) {
	res := buildFixture(t, epochOptions())
	require.Len(t, res.SBOMs, 1)
	assert.Equal(t, "fixture-linux-arm64.spdx.json", filepath.Base(res.SBOMs[0]))
	data, err := os.ReadFile(res.SBOMs[0])
	require.NoError(t, err)
	assert.Equal(t, res.Images[0].SBOM, data)

	var doc spdxDoc
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&doc))
	// The required document fields of SPDX 2.3.
	// Source: https://spdx.github.io/spdx-spec/v2.3/document-creation-information/
	assert.Equal(t, "SPDX-2.3", doc.SPDXVersion)
	assert.Equal(t, "CC0-1.0", doc.DataLicense)
	assert.Equal(t, "SPDXRef-DOCUMENT", doc.SPDXID)
	assert.NotEmpty(t, doc.Name)
	assert.True(t, strings.HasPrefix(doc.DocumentNamespace, "https://"), doc.DocumentNamespace)
	assert.Contains(t, doc.DocumentNamespace, res.Images[0].Digest.Hex)
	assert.Equal(t, "1970-01-01T00:00:00Z", doc.CreationInfo.Created)
	require.NotEmpty(t, doc.CreationInfo.Creators)
	assert.True(t, strings.HasPrefix(doc.CreationInfo.Creators[0], "Tool: "))

	ids := map[string]spdxPackage{}
	idPattern := regexp.MustCompile(`^SPDXRef-[A-Za-z0-9.-]+$`)
	byName := map[string]spdxPackage{}
	for _, p := range doc.Packages {
		assert.Regexp(t, idPattern, p.SPDXID)
		assert.NotContains(t, ids, p.SPDXID, "identifiers are unique")
		ids[p.SPDXID] = p
		byName[p.Name] = p
		assert.NotEmpty(t, p.DownloadLocation, p.Name)
	}
	for _, r := range doc.Relationships {
		if r.SPDXElementID != "SPDXRef-DOCUMENT" {
			assert.Contains(t, ids, r.SPDXElementID)
		}
		assert.Contains(t, ids, r.RelatedSPDXElement)
	}

	image := byName["fixture"]
	assert.Equal(t, "CONTAINER", image.PrimaryPackagePurpose)
	assert.Equal(t, res.Images[0].Digest.String(), image.VersionInfo)
	assert.Equal(t, []spdxChecksum{{Algorithm: "SHA256", ChecksumValue: res.Images[0].Digest.Hex}}, image.Checksums)
	require.Len(t, image.ExternalRefs, 1)
	assert.Equal(t, "pkg:oci/fixture@sha256%3A"+res.Images[0].Digest.Hex+"?arch=arm64&os=linux", image.ExternalRefs[0].ReferenceLocator)

	mod, ok := byName["example.com/fixture"]
	require.True(t, ok, "the fixture's module is named")
	assert.Equal(t, "APPLICATION", mod.PrimaryPackagePurpose)
	assert.Contains(t, mod.Description, "example.com/fixture/workloads/apps/fixture")

	greet, ok := byName["example.com/greet"]
	require.True(t, ok, "the dependency is named")
	assert.Equal(t, "v0.0.0", greet.VersionInfo)
	assert.Equal(t, "replaced by ./greet", greet.SourceInfo)
	assert.Equal(t, noAssertion, greet.DownloadLocation, "a local directory has no download")

	// The standard library of the toolchain that built the binary.
	_, imgs := readLayout(t, res.Layout)
	layers, err := imgs[0].Layers()
	require.NoError(t, err)
	_, bin := layerEntries(t, layers[1])
	bi, err := buildinfo.Read(bytes.NewReader(bin["ko-app/fixture"].Data))
	require.NoError(t, err)
	assert.Equal(t, bi.GoVersion, byName["stdlib"].VersionInfo)

	rel := func(a, typ, b string) spdxRelationship { return spdxRelationship{a, typ, b} }
	assert.Contains(t, doc.Relationships, rel("SPDXRef-DOCUMENT", "DESCRIBES", image.SPDXID))
	assert.Contains(t, doc.Relationships, rel(image.SPDXID, "CONTAINS", mod.SPDXID))
	assert.Contains(t, doc.Relationships, rel(mod.SPDXID, "DEPENDS_ON", greet.SPDXID))
	assert.Contains(t, doc.Relationships, rel(mod.SPDXID, "DEPENDS_ON", byName["stdlib"].SPDXID))
}

// TestSBOMDependency checks a module from the proxy: its download, its
// go.sum hash as SHA256, its purl; and a replacement by another version.
func TestSBOMDependency(t *testing.T) {
	sum := make([]byte, 32)
	for i := range sum {
		sum[i] = byte(i)
	}
	h1 := "h1:" + base64.StdEncoding.EncodeToString(sum)
	// The format `go version -m` prints, which debug.ParseBuildInfo reads.
	info, err := debug.ParseBuildInfo("go\tgo1.26.0\npath\texample.com/app/cmd/x\nmod\texample.com/app\t(devel)\t\n" +
		"dep\tgithub.com/BurntSushi/toml\tv1.6.0\t" + h1 + "\n" +
		"dep\texample.com/old\tv1.0.0\t\n=>\texample.com/new\tv1.2.0\t" + h1 + "\n")
	require.NoError(t, err)
	require.Len(t, info.Deps, 2)
	digest, err := v1.NewHash("sha256:" + strings.Repeat("ab", 32))
	require.NoError(t, err)
	data, err := spdxDocument(info, "x", arm64, digest, epochOptions().Created)
	require.NoError(t, err)
	var doc spdxDoc
	require.NoError(t, json.Unmarshal(data, &doc))
	byName := map[string]spdxPackage{}
	for _, p := range doc.Packages {
		byName[p.Name] = p
	}
	toml := byName["github.com/BurntSushi/toml"]
	assert.Equal(t, "v1.6.0", toml.VersionInfo)
	assert.Equal(t, "https://proxy.golang.org/github.com/!burnt!sushi/toml/@v/v1.6.0.zip", toml.DownloadLocation)
	assert.Equal(t, []spdxChecksum{{Algorithm: "SHA256", ChecksumValue: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"}}, toml.Checksums)
	assert.Equal(t, "pkg:golang/github.com/BurntSushi/toml@v1.6.0", toml.ExternalRefs[0].ReferenceLocator)
	old := byName["example.com/old"]
	assert.Equal(t, "replaced by example.com/new v1.2.0", old.SourceInfo)
	assert.Equal(t, "https://proxy.golang.org/example.com/new/@v/v1.2.0.zip", old.DownloadLocation)
	assert.Len(t, old.Checksums, 1)
	assert.Equal(t, "pkg:golang/example.com/app", byName["example.com/app"].ExternalRefs[0].ReferenceLocator, "no version for (devel)")
}

func TestSPDXHelpers(t *testing.T) {
	assert.Empty(t, h1Hex(""))
	assert.Empty(t, h1Hex("h1:not base64!"))
	assert.Empty(t, h1Hex("h1:"+base64.StdEncoding.EncodeToString([]byte("short"))))
	assert.Equal(t, "github.com/!azure/go-!auto!rest", proxyEscape("github.com/Azure/go-AutoRest"))
	assert.Equal(t, "github.com-a-b-c.d-e", spdxIDPart("github.com/a_b+c.d-e"))
	assert.Equal(t, "SPDXRef-Package-go-example.com-x--devel-", goPackageID("example.com/x", "(devel)"))
}
