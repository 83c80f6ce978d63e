package render

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tailos/tailos/internal/flock"
)

// StageName is the directory, inside the output directory, where a set is
// staged before it is swapped in. A run that finds one left by a killed
// run completes it (its journal was written) or discards it (it was not).
const StageName = ".tailos-stage"

const (
	journalName = "journal.json"
	newDir      = "new" // the staged files, by output path
	oldDir      = "old" // what they replace or remove, kept until done
)

// Options control overwriting.
type Options struct {
	// Force overwrites, and removes, files the user edited or tailos did
	// not write.
	Force bool
}

// Result lists what happened to each file (paths relative to the directory).
type Result struct {
	Written   []string
	Unchanged []string
	// Removed are files an earlier run wrote that the new set no longer
	// has (a node removed from the spec).
	Removed []string
	// Recovered says a killed earlier run was completed or discarded.
	Recovered string
}

// ConflictError lists files that would overwrite, or remove, a user's edits.
type ConflictError struct {
	Dir   string
	Paths []string
	// Stale are edited files of an earlier run the new set no longer has.
	Stale []string
}

func (e *ConflictError) Error() string {
	var parts []string
	if len(e.Paths) > 0 {
		parts = append(parts, fmt.Sprintf("refusing to overwrite %d file(s) changed since tailos wrote them (use --force): %s",
			len(e.Paths), strings.Join(e.Paths, ", ")))
	}
	if len(e.Stale) > 0 {
		parts = append(parts, fmt.Sprintf("refusing to remove %d file(s) no longer generated but changed since tailos wrote them (move them away, or use --force): %s",
			len(e.Stale), strings.Join(e.Stale, ", ")))
	}
	return strings.Join(parts, "; ")
}

// journal is the commit record: once it is on disk the set is committed,
// and the steps are redone by whichever run gets there.
type journal struct {
	Write  []string `json:"write"`  // staged under new/, manifest last
	Remove []string `json:"remove"` // stale files of an earlier run
}

// Write writes files into dir as one set: every file, the removal of the
// earlier run's files the set no longer has, and the manifest, or none of
// them. It checks every file before touching any, so a conflict leaves the
// directory as it was; a write error (permission, disk full) while staging
// or swapping is rolled back; a run killed at any point leaves either the
// old set or a journal the next Write completes.
func Write(dir string, files []File, opts Options) (Result, error) {
	return write(dir, files, opts, true)
}

// write is Write; with commit false it stops right after the commit point,
// as a run killed there would (for tests of the recovery).
func write(dir string, files []File, opts Options, commit bool) (res Result, err error) {
	for _, f := range files {
		if err := checkPath(f.Path); err != nil {
			return res, err
		}
		if f.Path == ManifestName || f.Path == StageName || strings.HasPrefix(f.Path, StageName+"/") {
			return res, fmt.Errorf("invalid output path %q: reserved for tailos", f.Path)
		}
	}
	created := false
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		created = true
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, fmt.Errorf("creating %s: %w", dir, err)
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return res, err
	}
	defer unlock()
	defer func() {
		if err != nil && created {
			os.Remove(dir) // only if still empty: nothing written
		}
	}()
	if res.Recovered, err = recoverStage(dir); err != nil {
		return res, err
	}

	m, err := readManifest(dir)
	if err != nil {
		return res, err
	}
	next := &manifest{Files: map[string]string{}}
	var j journal
	var conflicts, stale []string
	type todo struct {
		f    File
		hash string
	}
	var plan []todo
	for _, f := range files {
		h := hash(f.Data)
		next.Files[f.Path] = h
		path := filepath.Join(dir, f.Path)
		cur, st, err := readCurrent(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return res, err
		case hash(cur) == h && (!f.Secret || st.Mode().Perm()&0o077 == 0):
			res.Unchanged = append(res.Unchanged, f.Path)
			continue
		case m.Files[f.Path] != hash(cur) && hash(cur) != h && !opts.Force:
			conflicts = append(conflicts, path)
			continue
		}
		plan = append(plan, todo{f, h})
	}
	for p, h := range m.Files {
		if _, ok := next.Files[p]; ok || checkPath(p) != nil {
			continue
		}
		cur, _, err := readCurrent(filepath.Join(dir, p))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue // already gone: just dropped from the manifest
		case err != nil:
			return res, err
		case hash(cur) != h && !opts.Force:
			stale = append(stale, filepath.Join(dir, p))
			continue
		}
		j.Remove = append(j.Remove, p)
	}
	if len(conflicts) > 0 || len(stale) > 0 {
		slices.Sort(stale)
		return Result{}, &ConflictError{Dir: dir, Paths: conflicts, Stale: stale}
	}
	slices.Sort(j.Remove)

	// Stage everything, the manifest included, then commit with the journal.
	stage := filepath.Join(dir, StageName)
	if err := os.Mkdir(stage, 0o700); err != nil {
		return res, fmt.Errorf("staging in %s: %w", stage, err)
	}
	committed := false
	defer func() {
		if !committed {
			os.RemoveAll(stage)
		}
	}()
	staged := make([]File, len(plan))
	for i, t := range plan {
		staged[i] = t.f
		j.Write = append(j.Write, t.f.Path)
	}
	if err := stageFiles(filepath.Join(stage, newDir), staged); err != nil {
		return res, err
	}
	mb, err := marshalManifest(next)
	if err != nil {
		return res, err
	}
	if err := writeStaged(filepath.Join(stage, newDir, ManifestName), mb, false); err != nil {
		return res, err
	}
	j.Write = append(j.Write, ManifestName)
	// Parent directories are made before the commit point, so the swap
	// is renames only.
	made := map[string]bool{}
	for _, t := range plan {
		parent := filepath.Dir(filepath.Join(dir, t.f.Path))
		if made[parent] {
			continue
		}
		if err := os.MkdirAll(parent, dirMode(t.f.Secret)); err != nil {
			return res, fmt.Errorf("creating %s: %w", parent, err)
		}
		made[parent] = true
	}
	// One sync for the whole staged set, so that the journal, written and
	// synced after it, can only ever commit complete files.
	if err := syncSet(stage); err != nil {
		return res, err
	}
	jb, err := json.Marshal(j)
	if err != nil {
		return res, err
	}
	if err := WriteFileAtomic(filepath.Join(stage, journalName), jb, false); err != nil {
		return res, err
	}
	if err := syncDir(stage); err != nil {
		return res, err
	}
	// The journal is on disk: from here the set is committed.
	if !commit {
		committed = true
		return res, nil
	}
	if err := apply(dir, j); err != nil {
		// Put back what was swapped, so nothing is half-written.
		if rerr := rollback(dir, j); rerr != nil {
			committed = true // keep the stage: the next run completes it
			return res, fmt.Errorf("%w (rolling back: %w; the next run completes the write)", err, rerr)
		}
		return res, err
	}
	committed = true
	if err := os.RemoveAll(stage); err != nil {
		return res, fmt.Errorf("cleaning %s: %w", stage, err)
	}
	res.Written = j.Write[:len(j.Write)-1]
	res.Removed = j.Remove
	return res, nil
}

// apply performs a journal's swaps; it is idempotent, so a run that finds
// a committed stage redoes it from the start.
func apply(dir string, j journal) error {
	stage := filepath.Join(dir, StageName)
	move := func(p string) error { // current file → old/
		from, to := filepath.Join(dir, p), filepath.Join(stage, oldDir, p)
		if _, err := os.Lstat(to); err == nil {
			return nil // moved by an earlier attempt
		}
		st, err := os.Lstat(from)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if st.IsDir() {
			// Never move a directory aside: it is not tailos's file.
			return fmt.Errorf("%s is a directory", from)
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
			return err
		}
		return os.Rename(from, to)
	}
	made := map[string]bool{}
	for _, p := range j.Write {
		src := filepath.Join(stage, newDir, p)
		if _, err := os.Lstat(src); errors.Is(err, fs.ErrNotExist) {
			continue // swapped in by an earlier attempt
		}
		if err := move(p); err != nil {
			return fmt.Errorf("writing %s: %w", filepath.Join(dir, p), err)
		}
		if parent := filepath.Dir(filepath.Join(dir, p)); !made[parent] {
			if err := os.MkdirAll(parent, 0o755); err != nil {
				return fmt.Errorf("writing %s: %w", filepath.Join(dir, p), err)
			}
			made[parent] = true
		}
		if err := os.Rename(src, filepath.Join(dir, p)); err != nil {
			return fmt.Errorf("writing %s: %w", filepath.Join(dir, p), err)
		}
	}
	for _, p := range j.Remove {
		if err := move(p); err != nil {
			return fmt.Errorf("removing %s: %w", filepath.Join(dir, p), err)
		}
		removeEmptyParents(dir, p)
	}
	// The renames are in dir and its subdirectories (nodes/, secrets/):
	// one sync makes them all durable before the stage is removed.
	return syncSet(dir)
}

// rollback undoes apply after an error: new files go back to new/, old
// ones return.
func rollback(dir string, j journal) error {
	stage := filepath.Join(dir, StageName)
	var errs []error
	for _, p := range slices.Concat(j.Write, j.Remove) {
		target := filepath.Join(dir, p)
		if slices.Contains(j.Write, p) {
			if _, err := os.Lstat(filepath.Join(stage, newDir, p)); errors.Is(err, fs.ErrNotExist) {
				if err := os.Rename(target, filepath.Join(stage, newDir, p)); err != nil && !errors.Is(err, fs.ErrNotExist) {
					errs = append(errs, err)
					continue
				}
			}
		}
		old := filepath.Join(stage, oldDir, p)
		if _, err := os.Lstat(old); err == nil {
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				errs = append(errs, err)
				continue
			}
			if err := os.Rename(old, target); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) == 0 {
		return os.RemoveAll(stage)
	}
	return errors.Join(errs...)
}

// recoverStage finishes or discards a stage a killed run left behind, and
// removes temporary files of interrupted atomic writes.
func recoverStage(dir string) (string, error) {
	cleanTemps(dir)
	stage := filepath.Join(dir, StageName)
	if _, err := os.Lstat(stage); errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	b, err := os.ReadFile(filepath.Join(stage, journalName))
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.RemoveAll(stage); err != nil {
			return "", fmt.Errorf("discarding %s: %w", stage, err)
		}
		return "discarded an unfinished earlier write", nil
	}
	if err != nil {
		return "", fmt.Errorf("recovering %s: %w", stage, err)
	}
	var j journal
	if err := json.Unmarshal(b, &j); err != nil {
		return "", fmt.Errorf("recovering %s: %s: %w", stage, journalName, err)
	}
	for _, p := range slices.Concat(j.Write, j.Remove) {
		if p != ManifestName && checkPath(p) != nil {
			return "", fmt.Errorf("recovering %s: invalid path %q in %s", stage, p, journalName)
		}
	}
	if err := apply(dir, j); err != nil {
		return "", fmt.Errorf("completing the earlier write in %s: %w", stage, err)
	}
	if err := os.RemoveAll(stage); err != nil {
		return "", fmt.Errorf("cleaning %s: %w", stage, err)
	}
	return "completed an earlier write that was interrupted", nil
}

// cleanTemps removes .NAME.tmp-* files WriteFileAtomic leaves when killed
// between create and rename, for NAME that tailos writes (manifest entries).
func cleanTemps(dir string) {
	m, err := readManifest(dir)
	if err != nil {
		return
	}
	dirs := map[string]bool{dir: true}
	for p := range m.Files {
		if checkPath(p) == nil {
			dirs[filepath.Dir(filepath.Join(dir, p))] = true
		}
	}
	for d := range dirs {
		ents, _ := os.ReadDir(d)
		for _, e := range ents {
			n := e.Name()
			i := strings.Index(n, ".tmp-")
			if !e.Type().IsRegular() || !strings.HasPrefix(n, ".") || i < 0 {
				continue
			}
			rel, err := filepath.Rel(dir, filepath.Join(d, n[1:i]))
			if err != nil {
				continue
			}
			if _, ours := m.Files[filepath.ToSlash(rel)]; ours || rel == ManifestName {
				os.Remove(filepath.Join(d, n))
			}
		}
	}
}

func readCurrent(path string) ([]byte, fs.FileInfo, error) {
	st, err := os.Lstat(path)
	if err != nil {
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%s: not a regular file; move it away", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return b, st, nil
}

// removeEmptyParents removes directories p's removal left empty, up to dir.
func removeEmptyParents(dir, p string) {
	for d := filepath.Dir(p); d != "." && d != "/"; d = filepath.Dir(d) {
		if os.Remove(filepath.Join(dir, d)) != nil {
			return
		}
	}
}

// lockDir holds an exclusive lock on dir for one Write: two runs into the
// same directory would interleave their sets.
func lockDir(dir string) (func(), error) {
	unlock, err := flock.TryLock(dir)
	if errors.Is(err, flock.ErrBusy) {
		return nil, fmt.Errorf("%s: another tailos run is writing into it", dir)
	}
	return unlock, err
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}
