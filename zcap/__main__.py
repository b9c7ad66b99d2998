from .entry import main

# Guarded: fanout workers are spawned processes that re-import the main module.
if __name__ == "__main__":
    main()
