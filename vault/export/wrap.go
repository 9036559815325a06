package export

import "strings"

const ellipsis = "…"

// wrap breaks s into lines no wider than maxW when set in st, breaking at
// spaces and line breaks, and inside a word only when the word alone is too
// wide. Past maxLines the text is cut and its last line ends with an
// ellipsis, so no value can overflow the card.
func (fs *fontSet) wrap(s string, st style, maxW float64, maxLines int) []string {
	var lines []string
	space := fs.width(" ", st)
	cut := false
	for para := range strings.SplitSeq(clean(s), "\n") {
		line, lineW := "", 0.0
		for _, word := range strings.Fields(para) {
			if len(lines) > maxLines {
				break
			}
			w := fs.width(word, st)
			if line != "" && lineW+space+w <= maxW {
				line, lineW = line+" "+word, lineW+space+w
				continue
			}
			if line != "" {
				lines = append(lines, line)
			}
			line, lineW = word, w
			for w > maxW && len(lines) <= maxLines {
				head, rest, headW := fs.fit(line, st, maxW)
				if rest == "" {
					line, lineW = head, headW
					break
				}
				lines = append(lines, head)
				line = rest
			}
		}
		if line != "" || len(lines) > 0 {
			lines = append(lines, line) // an empty paragraph keeps its blank line
		}
		if len(lines) > maxLines {
			cut = true
			break
		}
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if cut || len(lines) > maxLines {
		lines = lines[:maxLines]
		lines[maxLines-1] = fs.ellipsize(lines[maxLines-1], st, maxW)
	}
	return lines
}

// fit splits a word too wide for maxW into the longest head that fits (at
// least one character, so wrapping always advances) and the rest; rest is
// "" when the whole word fits. It reads only as far as the head, so
// breaking a long word is linear in its length.
func (fs *fontSet) fit(word string, st style, maxW float64) (head, rest string, headW float64) {
	w := 0.0
	for i, r := range word {
		a := fs.advance(r, st.bold) * st.size
		if w+a > maxW && i > 0 {
			return word[:i], word[i:], w
		}
		w += a
	}
	return word, "", w
}

// ellipsize ends a line with an ellipsis, dropping characters from its end
// until both fit in maxW.
func (fs *fontSet) ellipsize(line string, st style, maxW float64) string {
	limit := maxW - fs.width(ellipsis, st)
	r := []rune(strings.TrimRight(line, " "))
	w := fs.width(string(r), st)
	for len(r) > 0 && w > limit {
		w -= fs.advance(r[len(r)-1], st.bold) * st.size
		r = r[:len(r)-1]
	}
	return strings.TrimRight(string(r), " ") + ellipsis
}
