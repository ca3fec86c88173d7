-- wrk script: register a letter complaint (reads the API key from ADUAN_KEY)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("ADUAN_KEY")
wrk.body = '{"channel":"letter","kind":"complaint","subject":"Bantuan PKH belum diterima",' ..
  '"body":"Sudah tiga bulan bantuan PKH keluarga kami belum cair. Mohon ditindaklanjuti.",' ..
  '"category":"bantuan sosial","reporter":{"name":"Agustinus Lay","phone":"081237001234",' ..
  '"address":"Jl. Timor Raya, Oesapa"},"external_ref":{"letter_number":"005/RT03/2026"}}'
