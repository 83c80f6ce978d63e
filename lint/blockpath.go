package lint

import "bytes"

// blockPath finds the line (1-based, within text) of the key a path of
// mapping keys names, by scanning block-style YAML: what most documents
// are, and far cheaper than a parse of a whole machine config for one
// line number. ok is false whenever the text is not plain enough to be
// sure (a sequence, a flow collection or a complex key on the way, or the
// path not found): the caller parses then.
func blockPath(text []byte, path []string) (line int, ok bool) {
	if len(path) == 0 {
		return 0, false
	}
	parent, level, want := -1, -1, 0 // indent of the matched key, of its children
	for n := 1; len(text) > 0; n++ {
		raw := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			raw, text = text[:i], text[i+1:]
		} else {
			text = nil
		}
		raw = bytes.TrimRight(raw, "\r")
		content := bytes.TrimLeft(raw, " ")
		if len(content) == 0 || content[0] == '#' {
			continue
		}
		indent := len(raw) - len(content)
		if indent <= parent {
			return 0, false // the block ended without the key
		}
		if level < 0 {
			level = indent
		}
		if indent > level {
			continue // deeper: a value of a key at this level
		}
		if indent < level || content[0] == '\t' {
			return 0, false
		}
		key, rest, isKey := mappingKey(content)
		if !isKey {
			return 0, false
		}
		if key != path[want] {
			continue
		}
		if want++; want == len(path) {
			return n, true
		}
		if len(rest) > 0 && rest[0] != '#' {
			return 0, false // the value is on this line (flow or scalar)
		}
		parent, level = indent, -1
	}
	return 0, false
}

// mappingKey splits a block mapping line into its key and what follows
// the colon (trimmed); isKey is false for anything else (a sequence item,
// a flow collection, a complex or multi-line key).
func mappingKey(content []byte) (key string, rest []byte, isKey bool) {
	switch content[0] {
	case '-', '[', '{', '?', '&', '*', '!', '|', '>', '%', '@', '`':
		return "", nil, false
	case '"', '\'':
		q := content[0]
		end := bytes.IndexByte(content[1:], q)
		if end < 0 || bytes.IndexByte(content[1:end+1], '\\') >= 0 {
			return "", nil, false
		}
		after := content[end+2:]
		if len(after) == 0 || after[0] != ':' || len(after) > 1 && after[1] != ' ' {
			return "", nil, false
		}
		return string(content[1 : end+1]), bytes.TrimSpace(after[1:]), true
	}
	for i := 0; i < len(content); i++ {
		switch content[i] {
		case ':':
			if i+1 == len(content) || content[i+1] == ' ' {
				return string(bytes.TrimRight(content[:i], " ")), bytes.TrimSpace(content[i+1:]), i > 0
			}
		case '#':
			if i > 0 && content[i-1] == ' ' {
				return "", nil, false
			}
		}
	}
	return "", nil, false
}
