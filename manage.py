#!/usr/bin/env python
from deployments.site.cli import main

if __name__ == "__main__":
    main()
