"""`python -m voice_server` is the `shepherd` command line."""

from voice_server.tools.cli import main

if __name__ == "__main__":
    main()
