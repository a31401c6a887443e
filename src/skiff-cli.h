/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The skiff CLI: one file per command, each exporting cmd_<name>.  argv[0] is the command name;
 * global options are already parsed into *g. */
#ifndef SKIFF_CLI_H
#define SKIFF_CLI_H

#include "container.h"

#define SKIFF_COMMANDS(X)                                                                          \
  X(create, "create a container")                                                                  \
  X(start, "start a created container")                                                            \
  X(run, "create and start a container")                                                           \
  X(state, "output the state of a container")                                                      \
  X(list, "list containers")                                                                       \
  X(kill, "send a signal to the container's init process")                                         \
  X(delete, "delete a container and everything it holds")                                          \
  X(exec, "run a new process inside a container")                                                  \
  X(ps, "list the processes of a container")                                                       \
  X(pause, "suspend all processes of a container")                                                 \
  X(resume, "resume a paused container")                                                           \
  X(update, "update a container's resource limits")                                                \
  X(events, "display container events and resource statistics")                                    \
  X(spec, "write a default config.json")                                                           \
  X(features, "show the features this runtime supports")

#define X(name, help) int cmd_##name(struct sk_global_opts *g, int argc, char **argv);
SKIFF_COMMANDS(X)
#undef X

#endif
