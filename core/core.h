/* core: everything the other modules share. One include for all of it. */
#ifndef PKG_CORE_CORE_H
#define PKG_CORE_CORE_H

#include "core/arena.h"
#include "core/err.h"
#include "core/fsutil.h"
#include "core/gofmt.h"
#include "core/json.h"
#include "core/sb.h"
#include "core/semver.h"
#include "core/value.h"
#include "core/xalloc.h"
#include "core/yaml.h"

#endif
