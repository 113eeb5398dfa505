#!/bin/sh
# Turn the numbered migrations into a C table: schema_migrations[i] brings a
# database from user_version i to i + 1.
set -eu
echo '/* Generated from the schema folder by scripts/embed-schema.sh. */'
echo '#include <stddef.h>'
echo 'const char *const schema_migrations[] = {'
for f in "$@"; do
	printf '\t/* %s */\n' "$(basename "$f")"
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$/\\n"/' "$f"
	printf '\t,\n'
done
echo '};'
echo "const size_t schema_count = $#;"
