-- wrk script: read one complaint by id (ADUAN_KEY, path given on the command line)
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("ADUAN_KEY")
