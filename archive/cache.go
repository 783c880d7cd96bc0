package archive

import (
	"container/list"

	"github.com/go-git/go-git/v5/plumbing"
)

// cacheKey names a pack entry: the cache identity of its pack and its
// offset there. A pack rewritten with more entries appended keeps the
// offsets and the identity of the pack it extends.
type cacheKey struct {
	pack   uint64
	offset uint64
}

type cachedObject struct {
	key     cacheKey
	typ     plumbing.ObjectType
	content []byte
}

// objectCache keeps the inflated content of recently read pack entries,
// delta bases included, up to maxBytes of content. It is a plain LRU; an
// object larger than maxBytes is not kept.
type objectCache struct {
	maxBytes int
	bytes    int
	order    *list.List // front is the most recently used
	entries  map[cacheKey]*list.Element
}

func newObjectCache(maxBytes int) *objectCache {
	return &objectCache{maxBytes: maxBytes, order: list.New(), entries: map[cacheKey]*list.Element{}}
}

func (c *objectCache) get(key cacheKey) (*cachedObject, bool) {
	e, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*cachedObject), true
}

func (c *objectCache) put(key cacheKey, typ plumbing.ObjectType, content []byte) {
	if len(content) > c.maxBytes {
		return
	}
	if e, ok := c.entries[key]; ok {
		c.order.MoveToFront(e)
		return
	}

	c.entries[key] = c.order.PushFront(&cachedObject{key: key, typ: typ, content: content})
	c.bytes += len(content)
	for c.bytes > c.maxBytes {
		c.remove(c.order.Back())
	}
}

func (c *objectCache) remove(e *list.Element) {
	obj := c.order.Remove(e).(*cachedObject)
	delete(c.entries, obj.key)
	c.bytes -= len(obj.content)
}
