#!/bin/bash
# bootstrap.sh - oxlua's dependencies on Debian 12 (the reference system:
# the same packages as scripts/setup.sh), then build and test.
set -euo pipefail
# shellcheck source=../common.sh
. /home/vagrant/oxlua/vagrant/common.sh

"$REPO/scripts/setup.sh"

build_and_test
