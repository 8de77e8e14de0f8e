// Package inifile reads and edits one section of an INI file, such as
// mailq.ini's [Users] or [Pop-Locked], while leaving every other byte of the
// file as it was: comments, spacing, CRLF or LF line ends, a UTF-8 byte order
// mark, the case of names, and the other sections.
//
// Reading follows gopkg.in/ini.v1 loaded with SpaceBeforeInlineComment:
// section names match without regard to case, the first '=' or ':' ends the
// key, an inline comment starts at ';' or '#' after white space, and values
// in matching single or double quotes, backticks or triple quotes are
// unquoted. Two small differences: a tab before ';' or '#' counts as a space,
// and the earliest of " ;" and " #" starts the comment (ini.v1 tries " #"
// first). Continuation lines and multi-line quoted values are not joined;
// Edit never writes them, and quotes values with backticks where ini.v1
// would otherwise read them differently.
//
// Edit is the only writer. It holds an exclusive lock on a sidecar file
// ("<ini>.lock", which stays in the folder, because removing a lock file
// while others wait on it breaks the lock) across the whole read, change and
// write, so concurrent editors in any number of processes all land. It writes
// a temporary file in the same folder, syncs it, renames it over the original
// (keeping its permission bits, and its owner where the system allows) and
// syncs the folder.
//
// The package knows nothing of what the sections mean, imports no project
// package, and must never rewrite a whole file through ini.v1, whose Save
// drops comments and formatting.
package inifile
