package keys

// OpenSealed exposes the file backend's unsealing to the external tests, so
// they can look for a wrapping key's raw bytes in the database.
func OpenSealed(b *FileBackend, r Record) ([]byte, error) { return b.open(r) }
