/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libskiff: the library behind the skiff runtime and skiff-image.  Programs include this header
 * and link with `pkg-config --libs libskiff`. */
#ifndef SKIFF_SKIFF_H
#define SKIFF_SKIFF_H

#include "error.h"
#include "log.h"
#include "spec.h"
#include "state.h"
#include "cgroup.h"
#include "container.h"

#endif
