package workflows

import "strconv"

// MaxPageIDLen is the longest page id accepted: Confluence content ids are
// positive 64-bit integers (at most 19 digits).
const MaxPageIDLen = 19

// ValidPageID reports whether id looks like a Confluence content id: 1 to
// 19 digits, no leading zero, within int64. Page ids become part of
// workflow ids (publish:<pageId>:v<n>, route:<pageId>:<key>), so every
// trigger checks them before starting anything.
func ValidPageID(id string) bool {
	if len(id) == 0 || len(id) > MaxPageIDLen || id[0] == '0' {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	_, err := strconv.ParseInt(id, 10, 64)
	return err == nil
}
