#!/bin/sh
# /usr/bin/backstage: the installed app lives in /opt/backstage (a PyInstaller onedir).
exec /opt/backstage/backstage "$@"
