from infossl.cli.main import main

main()
