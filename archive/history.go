package archive

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

var (
	hexRevision  = regexp.MustCompile(`^[0-9a-fA-F]{4,40}$`)
	dateRevision = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

// Head returns the commit at main, or ErrEmpty when there is none.
func (a *Archive) Head() (*Commit, error) {
	defer a.enter()()

	hash, err := a.mainHash()
	if err != nil {
		return nil, err
	}

	if hash.IsZero() {
		return nil, fmt.Errorf("read head of %s: %w", a.dir, ErrEmpty)
	}

	return a.commitInfo(hash)
}

// HeadHash returns the full hash of the commit at main, or ErrEmpty when
// there is none. Unlike Head, it reads the ref alone and no object, so it
// does not open the pack indexes: the history index checks its head with
// it on every query.
func (a *Archive) HeadHash() (string, error) {
	defer a.enter()()

	hash, err := a.mainHash()
	if err != nil {
		return "", err
	}
	if hash.IsZero() {
		return "", fmt.Errorf("read head of %s: %w", a.dir, ErrEmpty)
	}

	return hash.String(), nil
}

// Log returns the first-parent history of main, newest first. It returns
// an empty slice when main has no commit.
func (a *Archive) Log() ([]Commit, error) {
	defer a.enter()()

	var log []Commit
	err := a.walk(func(c *object.Commit) bool {
		log = append(log, toCommit(c))
		return true
	})

	return log, err
}

// LogSince returns the commits of main's first-parent history that are
// newer than the commit with the full hash since, newest first, and whether
// since is on that history. When since is not on that history, it returns
// the whole history and false. When since is "", it returns the whole
// history and true.
func (a *Archive) LogSince(since string) (log []Commit, found bool, err error) {
	defer a.enter()()

	err = a.walk(func(c *object.Commit) bool {
		if since != "" && c.Hash.String() == since {
			found = true
			return false
		}
		log = append(log, toCommit(c))
		return true
	})

	return log, found || since == "", err
}

// walk calls visit on each commit of main's first-parent history, newest
// first, until visit returns false.
func (a *Archive) walk(visit func(*object.Commit) bool) error {
	hash, err := a.mainHash()
	if err != nil {
		return err
	}

	for !hash.IsZero() {
		c, err := a.repo.CommitObject(hash)
		if err != nil {
			return fmt.Errorf("read commit %s: %w", hash, err)
		}

		if !visit(c) {
			return nil
		}

		hash = plumbing.ZeroHash
		if len(c.ParentHashes) > 0 {
			hash = c.ParentHashes[0]
		}
	}

	return nil
}

func (a *Archive) commitInfo(hash plumbing.Hash) (*Commit, error) {
	c, err := a.repo.CommitObject(hash)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", hash, err)
	}

	info := toCommit(c)
	return &info, nil
}

func toCommit(c *object.Commit) Commit {
	message := strings.TrimRight(c.Message, "\n")
	subject, _, _ := strings.Cut(message, "\n")

	var parent string
	if len(c.ParentHashes) > 0 {
		parent = c.ParentHashes[0].String()
	}

	return Commit{
		Hash:    c.Hash.String(),
		When:    c.Committer.When,
		Subject: subject,
		Message: message,
		Parent:  parent,
	}
}

// Resolve returns the full hash of the commit on main's first-parent
// history that rev names. rev is one of:
//   - a full or abbreviated (4 or more digits) hexadecimal hash, which
//     must match a single commit, or ErrAmbiguous is returned;
//   - "HEAD", "HEAD~" or "HEAD~N", the Nth first parent of main;
//   - a date "YYYY-MM-DD", the newest commit whose committer time is before
//     the end of that day in loc (nil means time.Local).
//
// Resolve fails with ErrNotFound when no commit matches.
func (a *Archive) Resolve(rev string, loc *time.Location) (string, error) {
	defer a.enter()()

	head, err := a.mainHash()
	if err != nil {
		return "", err
	}

	if head.IsZero() {
		return "", fmt.Errorf("resolve %q in %s: %w: %w", rev, a.dir, ErrNotFound, ErrEmpty)
	}

	var hash plumbing.Hash
	switch {
	case rev == "HEAD":
		hash = head
	case strings.HasPrefix(rev, "HEAD~"):
		hash, err = a.resolveAncestor(rev)
	case dateRevision.MatchString(rev):
		hash, err = a.resolveDate(rev, loc)
	case hexRevision.MatchString(rev):
		hash, err = a.resolveHash(rev)
	default:
		err = fmt.Errorf("resolve %q: %w: expected a commit hash, HEAD, HEAD~N "+
			"or a YYYY-MM-DD date", rev, ErrNotFound)
	}

	if err != nil {
		return "", err
	}

	return hash.String(), nil
}

func (a *Archive) resolveAncestor(rev string) (plumbing.Hash, error) {
	steps := 1
	if n := strings.TrimPrefix(rev, "HEAD~"); n != "" {
		parsed, err := strconv.Atoi(n)
		if err != nil || parsed < 0 {
			return plumbing.ZeroHash, fmt.Errorf("resolve %q: %w: expected HEAD~N "+
				"with N a number of commits", rev, ErrNotFound)
		}
		steps = parsed
	}

	var found plumbing.Hash
	err := a.walk(func(c *object.Commit) bool {
		if steps == 0 {
			found = c.Hash
			return false
		}
		steps--
		return true
	})

	return a.foundOrNotFound(rev, found, err)
}

// resolveDate returns the first commit in first-parent order, newest first,
// whose committer time is before the end of the day. With clocks that only
// move forward, this is the last commit made on or before that day.
func (a *Archive) resolveDate(rev string, loc *time.Location) (plumbing.Hash, error) {
	if loc == nil {
		loc = time.Local
	}

	day, err := time.ParseInLocation(time.DateOnly, rev, loc)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("resolve %q: %w: invalid date: %w", rev, ErrNotFound, err)
	}
	end := day.AddDate(0, 0, 1)

	var found plumbing.Hash
	err = a.walk(func(c *object.Commit) bool {
		if c.Committer.When.Before(end) {
			found = c.Hash
			return false
		}
		return true
	})

	return a.foundOrNotFound(rev, found, err)
}

func (a *Archive) resolveHash(rev string) (plumbing.Hash, error) {
	prefix := strings.ToLower(rev)

	var matches []plumbing.Hash
	err := a.walk(func(c *object.Commit) bool {
		if strings.HasPrefix(c.Hash.String(), prefix) {
			matches = append(matches, c.Hash)
		}
		return len(prefix) < 40 || len(matches) == 0
	})
	if err != nil {
		return plumbing.ZeroHash, err
	}

	if len(matches) > 1 {
		return plumbing.ZeroHash, ambiguityError(rev, matches)
	}

	var found plumbing.Hash
	if len(matches) == 1 {
		found = matches[0]
	}

	return a.foundOrNotFound(rev, found, nil)
}

func ambiguityError(rev string, matches []plumbing.Hash) error {
	shown := make([]string, 0, len(matches))
	for _, h := range matches {
		shown = append(shown, h.String()[:12])
	}

	return fmt.Errorf("resolve %q: %w: it matches %d commits (%s), so pass more digits",
		rev, ErrAmbiguous, len(matches), strings.Join(shown, ", "))
}

func (a *Archive) foundOrNotFound(rev string, found plumbing.Hash, err error) (plumbing.Hash, error) {
	if err != nil {
		return plumbing.ZeroHash, err
	}

	if found.IsZero() {
		return plumbing.ZeroHash, fmt.Errorf("resolve %q: %w: no commit on %s "+
			"matches it, so list commits with git -C %s log", rev, ErrNotFound, mainBranch, a.dir)
	}

	return found, nil
}

// parseHash parses a full commit hash, as returned by Resolve.
func parseHash(s string) (plumbing.Hash, error) {
	if len(s) != 40 || !hexRevision.MatchString(s) {
		return plumbing.ZeroHash, fmt.Errorf("commit hash %q is invalid: expected "+
			"40 hexadecimal digits; use Resolve for abbreviated hashes, HEAD or dates", s)
	}

	return plumbing.NewHash(strings.ToLower(s)), nil
}

// commitTree returns the tree of the commit with the full hash s.
func (a *Archive) commitTree(s string) (*object.Tree, error) {
	hash, err := parseHash(s)
	if err != nil {
		return nil, err
	}

	c, err := a.repo.CommitObject(hash)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return nil, fmt.Errorf("read commit %s in %s: %w", s, a.dir, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", s, err)
	}

	tree, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("read tree of commit %s: %w", s, err)
	}

	return tree, nil
}
