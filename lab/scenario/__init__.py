"""The in-guest DSR scenario. Travels to the guest on the 9p share (mounted on /lab), so inside the
guest this is the package `lab.scenario` too; nothing here is baked into the image."""
