/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the commands: option errors, argument counts, create/run flags.
 *
 * Option parsing follows runc (urfave/cli): long options may be written --opt or -opt, boolean
 * flags accept --flag=true|false, and options may follow the positional arguments
 * (`skiff delete ID --force`), so commands parse with getopt_long_only and permutation. */
#ifndef SKIFF_CLI_HELPERS_H
#define SKIFF_CLI_HELPERS_H

#include <getopt.h>
#include <stdbool.h>
#include "container.h"
#include "error.h"

/* Returned by the parsing helpers when the command should go on; any other value is the exit
 * status the command returns right away (0 after --help, 1 after a usage error). */
#define CLI_CONTINUE (-1)

/* Report a usage or runtime error once (stderr, and the --log file in its format); returns 1. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log an error built by libskiff; returns 1. */
int cli_fail(sk_err_t *err);
/* getopt returned '?' or ':' for argv: name the option; returns 1. */
int cli_bad_option(const char *cmd, char **argv, int c);
/* The value of a boolean flag given as --flag or --flag=VALUE. */
int cli_bool(const char *cmd, const char *name, const char *optarg, bool *out);
/* Check the count of positional arguments left after options; returns CLI_CONTINUE or 1. */
int cli_nargs(const char *cmd, int argc, int min, int max, const char *what);
/* Print a command's usage on stdout; returns 0. */
int cli_help(const char *usage);
/* Commands whose only option is --help: parse argv, check min..max positional arguments (max
 * -1: no limit).  CLI_CONTINUE with optind at the first one, or the exit status. */
int cli_parse_plain(const char *cmd, const char *usage, int argc, char **argv, int min, int max,
                    const char *what);

/* "2.5.4": the libseccomp linked in, or NULL. */
const char *cli_libseccomp_version(void);

/* create and run: parse their shared flags (run adds --detach, --keep); on CLI_CONTINUE
 * o->id is set. */
int cli_parse_create(const char *cmd, int argc, char **argv, bool run, struct sk_create_opts *o);

#endif
