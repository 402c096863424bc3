// Package pages holds the activities of the Confluence task queue that
// read and write the source pages of the publish and lifecycle flows: the
// page snapshot with its approval evidence, the record link written back,
// lifecycle states and notes, review comments and included content.
package pages
