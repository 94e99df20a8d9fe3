# Classifies JFR execution samples of a bench gateway run by where they were taken.
# jfr print --stack-depth 80 --events jdk.ExecutionSample run.jfr > samples.txt
# python3 peers-gateway-1m-s5-profile.py samples.txt
import re,collections,sys
txt=open(sys.argv[1]).read()
evs=txt.split('jdk.ExecutionSample {')[1:]
cat=collections.Counter(); n=0
def classify(st):
    if 'GatewayBench.apiFleetRead' in st: return 'bench client: fleet body read'
    if 'GatewayBench.directFleet' in st: return 'bench direct fleet read'
    if 'GatewayBench.load' in st or 'GatewayBench.reuse' in st: return 'bench load'
    if 'GatewayBench.get(' in st: return 'bench client: point GET'
    if 'GatewayBench.explain' in st: return 'bench explain'
    if 'ReadAhead.lambda' in st:
        if 'VisibleBufferedInputStream' in st or 'QueryExecutorImpl' in st: return 'fleet: pgjdbc receive/parse (read-ahead)'
        return 'fleet: getBytes copies (read-ahead)'
    if 'CurrentValueRoutes.stream' in st:
        if 'flushBuffer' in st or 'HttpOutput' in st or 'jetty' in st.split('CurrentValueRoutes.stream')[0]: return 'fleet: Jetty output write'
        if 'JsonGenerator' in st or 'WireValues' in st or 'schubfach' in st: return 'fleet: JSON encoding'
        return 'fleet: stream other'
    if 'CurrentValueRoutes' in st: return 'current-values other'
    if 'JettyServerThreadPool' in st: return 'jetty other'
    return 'other'
for e in evs:
    th=re.search(r'sampledThread = "([^"]*)',e).group(1)
    st=e.split('stackTrace = [')[1]
    cat[classify(th+' '+st)]+=1; n+=1
print(n,'samples')
for k,v in cat.most_common(): print(f'{v:6d} {100*v/n:5.1f}% {k}')
