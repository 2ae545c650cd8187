from intake.commands.cli import main

raise SystemExit(main())
