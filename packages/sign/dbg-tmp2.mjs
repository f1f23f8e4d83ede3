import { presignUrlSync } from './dist/src/node.js';
import { verifyRequest, decodeQuery, percentDecodePath } from './dist/src/verify.js';
const AK='LTAI5tBench', SK='secret', DAY=Date.UTC(2025,5,1);
const reqs = Array.from({length:1000},(_,i)=>{ const u=presignUrlSync({bucket:'bench-bucket',key:`photos/2025/06/01/IMG_${i} (edit).jpg`,expires:3600,region:'cn-hangzhou',credentials:{accessKeyId:AK,accessKeySecret:SK},date:DAY}).url; const t=u.slice(u.indexOf('/',8)); const q=t.indexOf('?'); return {method:'GET',bucket:'bench-bucket',key:percentDecodePath(t.slice(0,q)).slice(1),query:decodeQuery(t.slice(q+1)),headers:{host:'bench-bucket.oss-cn-hangzhou.aliyuncs.com','user-agent':'x',accept:'*/*','accept-encoding':'gzip'}}; });
const o={now:DAY+1000,region:'cn-hangzhou',lookup:(id)=>id===AK?{accessKeyId:AK,accessKeySecret:SK}:undefined};
if(!verifyRequest(reqs[0],o).ok) throw new Error('x');
const N=300000; const c0=process.cpuUsage(); for(let i=0;i<N;i++) verifyRequest(reqs[i%1000],o); const c=process.cpuUsage(c0); console.log('verify us/op',((c.user+c.system)/N).toFixed(2));
