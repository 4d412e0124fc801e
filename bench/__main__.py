from bench._main import main

main()
