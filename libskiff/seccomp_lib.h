/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libseccomp's own <seccomp.h>.  libskiff/seccomp.h shadows it on the include path (-I libskiff
 * comes first), so include this one with angle brackets: #include_next then continues the search
 * after libskiff/ and finds the system header. */
#ifndef SKIFF_SECCOMP_LIB_H
#define SKIFF_SECCOMP_LIB_H
#include_next <seccomp.h>
#endif
