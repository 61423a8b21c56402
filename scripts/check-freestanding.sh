#!/usr/bin/env bash
# Fails when a freestanding archive needs a symbol it does not define
# itself (a libc call slipped in).  Usage: check-freestanding.sh NM ARCHIVE
set -euo pipefail
nm=$1 archive=$2
undef=$(comm -23 \
	<("$nm" -u "$archive" | awk 'NF==2 && $1 ~ /^[Uw]$/ {print $2}' | sort -u) \
	<("$nm" --defined-only "$archive" | awk 'NF==3 {print $3}' | sort -u))
# Weak undefined references are allowed to stay unresolved only if listed
# here; none are today.
if [ -n "$undef" ]; then
	echo "check-freestanding: $archive needs symbols it does not define:" >&2
	echo "$undef" | sed 's/^/  /' >&2
	exit 1
fi
echo "  OK   $archive is self-contained (no libc references)"
