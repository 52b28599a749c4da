"""avi-dsr program: load and validate the stack config, build servers and services, export."""

from avi_dsr.program import main

main()
