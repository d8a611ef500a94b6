"""Prints the site directory, relative to the prefix given as argv[1], that this interpreter imports from.

Debian's interpreter imports /usr/lib/python3/dist-packages for the system prefix and
PREFIX/lib/python3.X/dist-packages for /usr/local (site.py); other interpreters use
sysconfig's posix_prefix scheme (lib/python3.X/site-packages).
"""
import os
import sys
import sysconfig

prefix = os.path.normpath(sys.argv[1])
if "deb_system" in sysconfig.get_scheme_names():
    if prefix == "/usr":
        print("lib/python3/dist-packages")
    else:
        print("lib/python%d.%d/dist-packages" % sys.version_info[:2])
else:
    site = sysconfig.get_path("platlib", "posix_prefix", vars={"base": prefix, "platbase": prefix})
    print(os.path.relpath(site, prefix))
