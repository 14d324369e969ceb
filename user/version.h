/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The one place the version is written: --version and the User-Agent of
 * feed downloads say the same. */
#ifndef XF_VERSION_H
#define XF_VERSION_H

#define XF_VERSION "0.1.0"

#endif /* XF_VERSION_H */
