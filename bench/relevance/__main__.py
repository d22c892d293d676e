"""`python -m bench.relevance`: run the relevance bench alone."""
from bench.relevance import main

if __name__ == "__main__":
    main()
