package archive

import (
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// CommitBranch commits files on a branch other than main, such as "feeds",
// with the same rules as Commit: the tree holds exactly files, nothing is
// written when nothing under opt.Watch changed, and the branch moves only
// once every object is durable. Such a branch holds files derived from
// main that cannot live in main's own commits, like feeds that name the
// hash of the latest commit.
func (a *Archive) CommitBranch(branch string, files Files, opt CommitOptions) (*Commit, bool, error) {
	defer a.enter()()

	ref, err := branchRef(branch)
	if err != nil {
		return nil, false, err
	}
	return a.commitBranch(ref, files, opt)
}

// BranchHead returns the latest commit of a branch, or ErrEmpty when the
// branch has no commit yet.
func (a *Archive) BranchHead(branch string) (*Commit, error) {
	defer a.enter()()

	ref, err := branchRef(branch)
	if err != nil {
		return nil, err
	}
	hash, err := a.refHash(ref)
	if err != nil {
		return nil, err
	}
	if hash.IsZero() {
		return nil, fmt.Errorf("branch %s of %s: %w", branch, a.dir, ErrEmpty)
	}
	return a.commitInfo(hash)
}

func branchRef(branch string) (plumbing.ReferenceName, error) {
	ref := plumbing.NewBranchReferenceName(branch)
	if branch == "" || strings.ContainsAny(branch, " ~^:?*[\\") || strings.Contains(branch, "..") ||
		strings.HasPrefix(branch, "/") || strings.HasSuffix(branch, "/") || strings.HasSuffix(branch, ".lock") {
		return "", fmt.Errorf("invalid branch name %q: use letters, digits, '-' and '/'", branch)
	}
	if ref == mainBranch {
		return "", fmt.Errorf("branch %q: use Commit for main", branch)
	}
	return ref, nil
}
