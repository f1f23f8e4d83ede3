import { presignUrlSync } from './dist/src/node.js';
const cred = { accessKeyId: 'LTAI5tBench', accessKeySecret: 'secret' };
const DAY = Date.UTC(2025,5,1);
const keys = Array.from({length: 50000}, (_, i) => `photos/2025/06/01/IMG_${i} (edit).jpg`);
const c0 = process.cpuUsage();
for (let i = 0; i < 400000; i++) presignUrlSync({ bucket: 'bench-bucket', key: `photos/2025/06/01/IMG_${i} (edit).jpg`, expires: 3600, region: 'cn-hangzhou', credentials: cred, date: DAY + (i%86400)*1000 });
const c = process.cpuUsage(c0); console.log('us/op', ((c.user+c.system)/400000).toFixed(2));
