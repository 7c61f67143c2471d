package offline

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// World is the stand-in cloud's memory: every resource the stand-in
// provider plugins have created and not deleted, in every account and
// region, across provider processes and stacks. The real engine starts one
// plugin process per provider resource and runs stacks one after the
// other, so the memory is a directory that all of them share (one file per
// resource, written atomically); the real-engine test gives each deployment
// its own.
//
// It exists so that the stand-in cloud can refuse what AWS refuses at the
// moment of a create: a resource whose documented precondition (another
// resource existing, in this account or another) does not hold yet
// (Preconditions).
type World struct {
	dir string
}

// WorldEnv names the environment variable the stand-in plugins read the
// world's directory from. Unset, the stand-ins keep no memory and refuse
// nothing.
const WorldEnv = "REFARCH_STANDIN_WORLD"

// OpenWorld returns the world kept in dir, creating the directory.
func OpenWorld(dir string) (*World, error) {
	if dir == "" {
		return nil, errors.New("offline: a world needs a directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("offline: world %s: %w", dir, err)
	}
	return &World{dir: dir}, nil
}

// Existing is one resource the world holds.
type Existing struct {
	URN     string         `json:"urn"`
	Type    string         `json:"type"`
	ID      string         `json:"id"`
	Account string         `json:"account"`
	Region  string         `json:"region"`
	State   map[string]any `json:"state"`
	// Created is when the resource was created (Unix nanoseconds; an
	// update keeps it): what AWS does to accounts "that join later" reads
	// it.
	Created int64 `json:"created,omitempty"`
	// Changed are the top-level properties someone changed behind
	// Pulumi's back (ChangeBehindPulumi), with their values in the cloud:
	// a refresh reads them; an update through Pulumi puts the code's
	// values back and forgets them.
	Changed map[string]any `json:"changed,omitempty"`
}

// String reads a top-level string of the resource's state.
func (e Existing) String(key string) string {
	s, _ := e.State[key].(string)
	return s
}

// Bool reads a top-level boolean of the resource's state.
func (e Existing) Bool(key string) bool {
	b, _ := e.State[key].(bool)
	return b
}

func (w *World) typeDir(typ string) string {
	return filepath.Join(w.dir, strings.NewReplacer(":", "_", "/", "_").Replace(typ))
}

func fileOf(urn string) string {
	sum := sha256.Sum256([]byte(urn))
	return hex.EncodeToString(sum[:12]) + ".json"
}

// put records a created or updated resource.
func (w *World) put(e Existing) error {
	dir := w.typeDir(e.Type)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("offline: world: %w", err)
	}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("offline: world: %s: %w", e.URN, err)
	}
	tmp, err := os.CreateTemp(dir, ".put-*")
	if err != nil {
		return fmt.Errorf("offline: world: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("offline: world: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("offline: world: %w", err)
	}
	// A rename is atomic: a concurrent reader sees the old file or the
	// new one, never half of one.
	if err := os.Rename(tmp.Name(), filepath.Join(dir, fileOf(e.URN))); err != nil {
		return fmt.Errorf("offline: world: %w", err)
	}
	return nil
}

// get returns the resource of typ with urn the world holds, or nil.
func (w *World) get(typ, urn string) (*Existing, error) {
	b, err := os.ReadFile(filepath.Join(w.typeDir(typ), fileOf(urn)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("offline: world: %w", err)
	}
	var e Existing
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("offline: world: %s: %w", urn, err)
	}
	return &e, nil
}

// remove forgets a deleted resource.
func (w *World) remove(typ, urn string) error {
	err := os.Remove(filepath.Join(w.typeDir(typ), fileOf(urn)))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("offline: world: %w", err)
	}
	return nil
}

// Of returns every resource of type typ the world holds, in every account
// and region, in URN order.
func (w *World) Of(typ string) ([]Existing, error) {
	entries, err := os.ReadDir(w.typeDir(typ))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("offline: world: %w", err)
	}
	var out []Existing
	for _, entry := range entries {
		if !strings.HasSuffix(entry.Name(), ".json") || strings.HasPrefix(entry.Name(), ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(w.typeDir(typ), entry.Name()))
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("offline: world: %w", err)
		}
		var e Existing
		if err := json.Unmarshal(b, &e); err != nil {
			return nil, fmt.Errorf("offline: world: %s: %w", entry.Name(), err)
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URN < out[j].URN })
	return out, nil
}

// In returns the resources of type typ in one account and region (region
// "" for any region) that satisfy match (nil for all).
func (w *World) In(account, region, typ string, match func(Existing) bool) ([]Existing, error) {
	all, err := w.Of(typ)
	if err != nil {
		return nil, err
	}
	var out []Existing
	for _, e := range all {
		if e.Account == account && (region == "" || e.Region == region) && (match == nil || match(e)) {
			out = append(out, e)
		}
	}
	return out, nil
}

// ChangeBehindPulumi changes top-level properties of the resource with urn
// as a person in the console would: the world's state takes the values of
// set, and a later refresh of the resource reads them (the stand-in's
// Read). It fails when the world holds no such resource.
func (w *World) ChangeBehindPulumi(urn string, set map[string]any) error {
	typ := resource.URN(urn).Type()
	e, err := w.get(string(typ), urn)
	if err != nil {
		return err
	}
	if e == nil {
		return fmt.Errorf("offline: world: no resource %s", urn)
	}
	if e.Changed == nil {
		e.Changed = map[string]any{}
	}
	if e.State == nil {
		e.State = map[string]any{}
	}
	for k, v := range set {
		e.Changed[k] = v
		e.State[k] = v
	}
	return w.put(*e)
}
