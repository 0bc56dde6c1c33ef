"""Demo data: fictional networks, people, offers and requests, seeded through the services.

``towns`` holds the data (in French, like the people who use the portal), ``seeding`` the
code that records it. ``rers seed-demo`` seeds one network; ``make demo`` seeds three
neighbouring ones and federates them (``deployments/demo``).
"""
